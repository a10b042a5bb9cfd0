package dev.outpost.relay;

import java.time.Instant;

/**
 * A connection the relay refused, for the audit: what it answered ({@code ERR …}) or why it closed
 * it (no or a failed TLS handshake).
 *
 * @param sessionId the session it tried to join, when the relay knows it; else null
 * @param address   the peer's IP address; null when the TLS handshake failed before it was known
 * @param reason    the answer or the cause
 * @param at        when
 */
public record Refusal(String sessionId, String address, String reason, Instant at) {}
