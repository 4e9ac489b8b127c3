/* oracle_sim: the built-in simulated oracle feed (config oracle.simulated): for each
 * underlying in oracle.underlyings, a seeded zero-drift geometric Brownian motion spot
 * (vol), a flat-IV surface (iv, rate) over every valid maturity, and, once business time
 * passes an expiry it listed, that expiry's settlement price (the spot then), persisted.
 * Runs on its own thread, ticking every 250 ms of real time on the business clock, so an
 * accelerated clock runs it fast and a manual clock only when moved. */
#ifndef OPTDESK_ORACLE_SIM_H
#define OPTDESK_ORACLE_SIM_H

#include "app.h"

struct oracle_sim;

/* NULL when the config does not ask for it (or on error, with err filled). */
struct oracle_sim *oracle_sim_start(struct app *app, char *err, size_t errcap);
void oracle_sim_stop(struct oracle_sim *s);

#endif
