/** The `ws` library's words for a handshake the server answered with an HTTP status instead of an upgrade. */
const REFUSED_DIAL = /Unexpected server response: (\d{3})/;

/**
 * A stream's failure as the operator reads it: a websocket dial the exchange refused with an HTTP
 * status (`Unexpected server response: 403`) says so, and for a user stream (orders, fills,
 * balance, positions: the private connection) that it is the user-data stream the exchange
 * refused; any other reason is returned as it is.
 */
export function streamFailureText(reason: string, userStream: boolean): string {
  const status = REFUSED_DIAL.exec(reason)?.[1];
  if (status === undefined) return reason;
  const what = userStream ? "the user-data stream's websocket dial (private connection)" : 'the websocket dial';
  return `the exchange refused ${what} with HTTP ${status} (${reason})`;
}
