/**
 * The relay server of remote sessions: {@link dev.outpost.relay.RelayServer} pairs the two ends of
 * a session that the access server announced with a {@link dev.outpost.relay.Ticket} and pipes
 * their bytes within the limits of its {@link dev.outpost.relay.RelayConfig}; it reports its
 * {@link dev.outpost.relay.RelayLoad} and a {@link dev.outpost.relay.SessionRecord} of every
 * session that ended. {@link dev.outpost.protocol.RelayWire} has the lines the ends speak. The
 * implementation (Vert.x, Netty) stays in {@code impl}.
 */
package dev.outpost.relay;
