package dev.outpost.relay;

/**
 * How busy a relay is right now: what it reports to the access server for the relay choice.
 *
 * @param sessions paired sessions (both ends connected)
 * @param waiting sessions with one end joined, waiting for the other
 * @param capacity the most sessions (waiting and paired) the relay takes ({@link RelayConfig#maxSessions()})
 * @param bytesPerSecond bytes relayed per second (both directions, all sessions) over the last few seconds
 */
public record RelayLoad(int sessions, int waiting, int capacity, long bytesPerSecond) {}
