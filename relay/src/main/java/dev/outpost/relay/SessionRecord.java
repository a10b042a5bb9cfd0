package dev.outpost.relay;

import java.time.Instant;

/**
 * The relay's audit record of one session, handed to {@link RelayServer#sessionEndedHandler} once
 * the session has ended and its connections are closed.
 *
 * @param sessionId the ticket's session id
 * @param startedAt when the first end joined; null if no end ever joined
 * @param pairedAt when the second end joined and bytes began to flow; null if the ends were never paired
 * @param endedAt when the session ended (the first close, timeout or end)
 * @param bytesOperatorToDevice bytes relayed from the operator's end to the device's end
 * @param bytesDeviceToOperator bytes relayed from the device's end to the operator's end
 * @param reason why it ended
 * @param detail more about the reason: the access server's words for {@link EndReason#ENDED}, else empty
 */
public record SessionRecord(String sessionId, Instant startedAt, Instant pairedAt, Instant endedAt,
    long bytesOperatorToDevice, long bytesDeviceToOperator, EndReason reason, String detail) {}
