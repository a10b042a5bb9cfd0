package dev.outpost.relay.impl;

import dev.outpost.relay.EndReason;
import dev.outpost.relay.SessionRecord;
import dev.outpost.relay.Ticket;
import java.time.Instant;

/** One expected session and its life at the relay. Event loop only. */
final class Session {
  enum State {
    /** Announced by a ticket, no end here. */
    EXPECTED,
    /** One end joined, waiting for the other. */
    WAITING,
    /** Both ends here, bytes flowing. */
    PAIRED,
    /** Over: kept as a tombstone so that late or repeated joins get a precise answer. */
    ENDED
  }

  final Ticket ticket;
  /** The raw token hash, for the constant-time comparison. */
  final byte[] tokenSha256;
  final long bytesPerSecond;

  State state = State.EXPECTED;
  Connection operator;
  Connection device;
  long pairTimer = -1;
  TokenBucket bucket;
  long lastActivity;
  long bytesOperatorToDevice;
  long bytesDeviceToOperator;

  Instant startedAt;
  Instant pairedAt;
  Instant endedAt;
  EndReason reason;
  String detail = "";
  /** The relay ended it (timeout, end(), idle, stop): bytes still arriving are dropped. */
  boolean stopForwarding;
  boolean recorded;
  Instant purgeAt;

  Session(Ticket ticket, long bytesPerSecond) {
    this.ticket = ticket;
    this.tokenSha256 = ticket.tokenSha256();
    this.bytesPerSecond = bytesPerSecond;
  }

  boolean ended() {
    return state == State.ENDED;
  }

  Connection end(boolean operatorEnd) {
    return operatorEnd ? operator : device;
  }

  /** Whether every connection that joined has closed. */
  boolean connectionsClosed() {
    return (operator == null || operator.closed) && (device == null || device.closed);
  }

  SessionRecord record() {
    return new SessionRecord(ticket.sessionId(), startedAt, pairedAt, endedAt, bytesOperatorToDevice,
        bytesDeviceToOperator, reason, detail);
  }
}
