package dev.outpost.cli.faults;

import dev.outpost.hub.Outbox;
import dev.outpost.hub.OutboxLimits;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a machine's outbox file holds, read with {@link Outbox#open} after the machine's process has
 * stopped.
 *
 * @param recorded      measurements the machine recorded itself: the last sequence number it gave
 * @param dropped       measurements dropped because the outbox was full
 * @param depth         measurements still waiting to be sent (of every source)
 * @param waitingOf     of those, measurements of the source asked about
 */
record OutboxState(long recorded, long dropped, long depth, long waitingOf) {

  static OutboxState read(Path file, String source) {
    if (!Files.exists(file)) {
      throw new IllegalStateException("no outbox at " + file);
    }
    // The limit only applies to writes, and this reader writes nothing.
    try (var outbox = Outbox.open(file, OutboxLimits.DEFAULTS)) {
      long waiting = 0;
      long after = 0;
      while (true) {
        var entries = outbox.peek(after, 100_000).join();
        if (entries.isEmpty()) {
          break;
        }
        for (var entry : entries) {
          if (entry.batch().source().uid().equals(source)) {
            waiting += entry.batch().measurements().size();
          }
        }
        after = entries.get(entries.size() - 1).key();
      }
      return new OutboxState(outbox.recorded(), outbox.dropped(), outbox.depth(), waiting);
    }
  }
}
