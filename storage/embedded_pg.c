/* embedded_pg: initdb / pg_ctl driver for the service's own local PostgreSQL cluster. */
#include "embedded_pg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct embedded_pg {
  char bindir[PATH_MAX];
  char pgdata[PATH_MAX + 32];
  uid_t run_uid; /* 0: run as ourselves */
  gid_t run_gid;
};

static int find_bindir(char *out, size_t cap) {
  const char *env = getenv("OPTDESK_PG_BINDIR");
  if (env && *env) {
    snprintf(out, cap, "%s", env);
    return 0;
  }
  DIR *d = opendir("/usr/lib/postgresql");
  if (!d) return -1;
  long best = -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    char *end;
    long v = strtol(e->d_name, &end, 10);
    if (*end || end == e->d_name) continue;
    char probe[PATH_MAX];
    snprintf(probe, sizeof probe, "/usr/lib/postgresql/%ld/bin/initdb", v);
    if (v > best && access(probe, X_OK) == 0) best = v;
  }
  closedir(d);
  if (best < 0) return -1;
  snprintf(out, cap, "/usr/lib/postgresql/%ld/bin", best);
  return 0;
}

/* Runs argv (as run_uid when set) with stdout/stderr appended to logfile; returns exit code. */
static int run(const struct embedded_pg *pg, char *const argv[], const char *logfile) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (pg->run_uid) {
      if (setgid(pg->run_gid) != 0 || setuid(pg->run_uid) != 0) _exit(126);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int mkdir_owned(const struct embedded_pg *pg, const char *path, mode_t mode) {
  if (mkdir(path, mode) != 0 && errno != EEXIST) return -1;
  if (pg->run_uid && chown(path, pg->run_uid, pg->run_gid) != 0) return -1;
  return 0;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int create_database(const char *sockdir, char *err, size_t errcap) {
  char conninfo[PATH_MAX + 128];
  snprintf(conninfo, sizeof conninfo, "host=%s dbname=postgres user=postgres", sockdir);
  PGconn *c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    snprintf(err, errcap, "embedded postgres: connect: %s", PQerrorMessage(c));
    PQfinish(c);
    return -1;
  }
  PGresult *r = PQexec(c, "SELECT 1 FROM pg_database WHERE datname = 'optdesk'");
  int exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  PQclear(r);
  if (!exists) {
    r = PQexec(c, "CREATE DATABASE optdesk");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      snprintf(err, errcap, "embedded postgres: create database: %s", PQresultErrorMessage(r));
      PQclear(r);
      PQfinish(c);
      return -1;
    }
    PQclear(r);
  }
  PQfinish(c);
  return 0;
}

int embedded_pg_start(const char *data_dir, char *conninfo, size_t conninfo_cap, char *err,
                      size_t errcap, struct embedded_pg **out) {
  struct embedded_pg *pg = calloc(1, sizeof *pg);
  char pgroot[PATH_MAX + 32], sockdir[PATH_MAX + 32], logfile[PATH_MAX + 32], probe[PATH_MAX + 64];
  char tool[PATH_MAX + 32], opts[PATH_MAX + 160];
  if (!pg) {
    snprintf(err, errcap, "out of memory");
    return -1;
  }
  if (find_bindir(pg->bindir, sizeof pg->bindir) != 0) {
    snprintf(err, errcap, "embedded postgres: no initdb found (install the postgresql package "
                          "or set OPTDESK_PG_BINDIR)");
    goto fail;
  }
  if (geteuid() == 0) {
    struct passwd *pw = getpwnam("postgres");
    if (!pw) {
      snprintf(err, errcap, "embedded postgres: running as root needs a 'postgres' user");
      goto fail;
    }
    pg->run_uid = pw->pw_uid;
    pg->run_gid = pw->pw_gid;
  }
  if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errcap, "embedded postgres: mkdir %s: %s", data_dir, strerror(errno));
    goto fail;
  }
  /* Absolute from here on: postgres resolves relative paths from its own data directory. */
  char abs_dir[PATH_MAX];
  if (!realpath(data_dir, abs_dir)) {
    snprintf(err, errcap, "embedded postgres: %s: %s", data_dir, strerror(errno));
    goto fail;
  }
  data_dir = abs_dir;
  snprintf(pgroot, sizeof pgroot, "%s/pg", data_dir);
  snprintf(pg->pgdata, sizeof pg->pgdata, "%s/pg/data", data_dir);
  snprintf(sockdir, sizeof sockdir, "%s/pg/run", data_dir);
  snprintf(logfile, sizeof logfile, "%s/pg/postgres.log", data_dir);
  if (mkdir_owned(pg, pgroot, 0700) || mkdir_owned(pg, sockdir, 0700)) {
    snprintf(err, errcap, "embedded postgres: prepare %s: %s", pgroot, strerror(errno));
    goto fail;
  }
  /* Let the postgres user reach its folder below a root-owned data dir. */
  if (pg->run_uid) chmod(data_dir, 0711);
  int lf = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (lf >= 0) {
    if (pg->run_uid && fchown(lf, pg->run_uid, pg->run_gid) != 0) { /* best effort */
    }
    close(lf);
  }

  snprintf(probe, sizeof probe, "%s/PG_VERSION", pg->pgdata);
  if (!file_exists(probe)) {
    snprintf(tool, sizeof tool, "%s/initdb", pg->bindir);
    char *argv[] = {tool, "-D", pg->pgdata, "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C", "--no-instructions", NULL};
    if (run(pg, argv, logfile) != 0) {
      snprintf(err, errcap, "embedded postgres: initdb failed (see %s; the data dir's parents "
                            "must be reachable by the postgres user)", logfile);
      goto fail;
    }
  }
  snprintf(tool, sizeof tool, "%s/pg_ctl", pg->bindir);
  /* Private unix socket only: no TCP listener. */
  snprintf(opts, sizeof opts, "-c listen_addresses='' -k %s", sockdir);
  {
    char *status_argv[] = {tool, "-D", pg->pgdata, "status", NULL};
    if (run(pg, status_argv, logfile) != 0) {
      char *argv[] = {tool, "-D", pg->pgdata, "-l", logfile, "-o", opts, "-w", "-t", "60",
                      "start", NULL};
      if (run(pg, argv, logfile) != 0) {
        snprintf(err, errcap, "embedded postgres: pg_ctl start failed (see %s)", logfile);
        goto fail;
      }
    }
  }
  if (create_database(sockdir, err, errcap) != 0) goto fail;
  snprintf(conninfo, conninfo_cap, "host=%s dbname=optdesk user=postgres", sockdir);
  *out = pg;
  return 0;
fail:
  free(pg);
  return -1;
}

void embedded_pg_stop(struct embedded_pg *pg) {
  if (!pg) return;
  char tool[PATH_MAX + 32], logfile[PATH_MAX + 64];
  snprintf(tool, sizeof tool, "%s/pg_ctl", pg->bindir);
  snprintf(logfile, sizeof logfile, "%s/../postgres.log", pg->pgdata);
  char *argv[] = {tool, "-D", pg->pgdata, "-m", "fast", "-w", "stop", NULL};
  (void)run(pg, argv, logfile);
  free(pg);
}
