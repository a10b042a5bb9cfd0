package dev.outpost.hub;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The order in which a sender takes entries from its outbox after an outage: fresh measurements
 * first, so that the dashboard is current again at once, and the backlog behind them at a bounded
 * rate, so that the next hop is not flooded.
 *
 * <p>At every {@link #restart()} (a link opened, or sending starts over after a failure) the
 * outbox's newest key becomes the boundary: entries up to it are the backlog, entries written
 * after it are fresh. {@link #next} returns fresh entries while there are any, else backlog entries
 * as far as a token bucket allows ({@code backlogPerSecond}, at most one second's worth at once).
 * The cloud stores by (source, sequence number), so the order in which entries arrive does not
 * matter for exactly-once.
 *
 * <p>Not thread-safe: one sender calls it from its own context, one {@link #next} at a time.
 */
public final class FreshFirst {
  private final Outbox outbox;
  private final int backlogPerSecond;
  private final LongSupplier nanoTime;
  private long boundary;
  private long freshCursor;
  private long backlogCursor;
  private boolean backlogDone;
  private double tokens;
  private long refilledAt;
  /** Bumped by every restart, so that an answer to a peek from before it is thrown away. */
  private int generation;

  public FreshFirst(Outbox outbox, int backlogPerSecond) {
    this(outbox, backlogPerSecond, System::nanoTime);
  }

  FreshFirst(Outbox outbox, int backlogPerSecond, LongSupplier nanoTime) {
    if (backlogPerSecond < 1) {
      throw new IllegalArgumentException("backlogPerSecond must be positive");
    }
    this.outbox = outbox;
    this.backlogPerSecond = backlogPerSecond;
    this.nanoTime = nanoTime;
    this.refilledAt = nanoTime.getAsLong();
    this.tokens = backlogPerSecond;
    restart();
  }

  /** Everything not acknowledged is sent again: what is queued now is backlog, what comes after is fresh. */
  public void restart() {
    generation++;
    boundary = outbox.lastKey();
    freshCursor = boundary;
    backlogCursor = 0;
    backlogDone = false;
  }

  /** True while backlog entries from before the last restart remain unsent. */
  public boolean backlogPending() {
    return !backlogDone;
  }

  /**
   * The next entries to send, at most {@code maxMeasurements} measurements but at least one entry
   * when any may go; an empty list when nothing may go now (nothing queued, or the backlog's rate
   * is used up for the moment: ask again later).
   */
  public CompletableFuture<List<Outbox.Entry>> next(int maxMeasurements) {
    int asked = generation;
    if (outbox.lastKey() > freshCursor) {
      return outbox.peek(freshCursor, Long.MAX_VALUE, maxMeasurements).thenCompose(fresh -> {
        if (asked != generation) {
          return CompletableFuture.completedFuture(List.of());
        }
        if (!fresh.isEmpty()) {
          freshCursor = fresh.get(fresh.size() - 1).key();
          return CompletableFuture.completedFuture(fresh);
        }
        return backlog(maxMeasurements, asked);
      });
    }
    return backlog(maxMeasurements, asked);
  }

  private CompletableFuture<List<Outbox.Entry>> backlog(int maxMeasurements, int asked) {
    refill();
    if (backlogDone || tokens < 1) {
      return CompletableFuture.completedFuture(List.of());
    }
    int allowed = (int) Math.min(maxMeasurements, tokens);
    return outbox.peek(backlogCursor, boundary, allowed).thenApply(entries -> {
      if (asked != generation) {
        return List.of();
      }
      if (entries.isEmpty()) {
        backlogDone = true;
        return entries;
      }
      backlogCursor = entries.get(entries.size() - 1).key();
      // An entry larger than what is left still goes (entries are never split): the bucket owes it.
      tokens -= entries.stream().mapToInt(e -> e.batch().measurements().size()).sum();
      return entries;
    });
  }

  private void refill() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(backlogPerSecond, tokens + (now - refilledAt) / 1e9 * backlogPerSecond);
    refilledAt = now;
  }
}
