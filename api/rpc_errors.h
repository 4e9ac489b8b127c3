/* rpc_errors: the stable JSON-RPC error codes (SPEC 4; Derive's where one fits). */
#ifndef OPTDESK_RPC_ERRORS_H
#define OPTDESK_RPC_ERRORS_H

#define RPC_PARSE_ERROR -32700      /* not JSON, or invalid UTF-8 */
#define RPC_INVALID_REQUEST -32600  /* not a JSON-RPC 2.0 request object */
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define RPC_RATE_LIMITED -32000     /* "retry after N ms" in data.retry_after_ms */
#define RPC_UNAVAILABLE -32001      /* database or engine unavailable: retry */
#define RPC_RFQ_NOT_FOUND 11101
#define RPC_LEGS_MISMATCH 11103
#define RPC_RFQ_NOT_OPEN 11104
#define RPC_NONCE_REUSED 11017
#define RPC_BAD_SIGNATURE 14014     /* login: signature, timestamp or key refused */
#define RPC_NOT_LOGGED_IN 14015     /* a private method before public/login */
#define RPC_FORBIDDEN 14016         /* the account's roles do not allow the method */
#define RPC_WS_ONLY 14017           /* subscriptions and login need the WebSocket */

#endif
