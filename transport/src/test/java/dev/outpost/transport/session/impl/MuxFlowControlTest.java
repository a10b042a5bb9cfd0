package dev.outpost.transport.session.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.SessionStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Credit-based flow control per stream, seen from the wire. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MuxFlowControlTest {
  private RawEnd raw;
  private OperatorEnd operator;
  private Frame firstPing;

  @BeforeEach
  void start() throws IOException {
    raw = new RawEnd();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    raw.close();
  }

  /** An operator end whose own window is {@code window}, talking to a raw device end that gives {@code deviceWindow}. */
  private SessionStream openedStream(int window, int deviceWindow) throws Exception {
    raw.hello(deviceWindow);
    operator = new OperatorEnd(raw.endSocket, raw.endSocket, RawEnd.PEER,
        SessionOptions.defaults().withWindow(window), null);
    operator.start();
    assertEquals(Frame.HELLO, raw.next().type());
    var stream = CompletableFuture.supplyAsync(() -> operator.openStream("db:5432"), RawEndThreads::start);
    var open = raw.nextAny();
    if (open.type() == Frame.PING) { // the operator end's first, which measures the round trip
      firstPing = open;
      open = raw.nextAny();
    }
    assertEquals(Frame.OPEN, open.type());
    raw.send(Frame.OPENED, open.stream(), new byte[0]);
    return stream.get(5, TimeUnit.SECONDS);
  }

  @Test
  void theSenderNeverExceedsTheCreditItWasGiven() throws Exception {
    int deviceWindow = SessionOptions.MIN_WINDOW;
    var stream = openedStream(SessionOptions.DEFAULT_WINDOW, deviceWindow);
    var arrived = new AtomicLong();
    var largestFrame = new AtomicInteger();
    RawEndThreads.startQuietly(() -> {
      Frame frame;
      while ((frame = raw.next()) != null) {
        if (frame.type() == Frame.DATA) {
          arrived.addAndGet(frame.length());
          largestFrame.accumulateAndGet(frame.length(), Math::max);
        }
      }
    });
    RawEndThreads.startQuietly(() -> stream.output().write(new byte[1024 * 1024]));

    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() -> arrived.get() == deviceWindow);
    raw.window(stream.id(), 200_000);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
        .until(() -> arrived.get() == deviceWindow + 200_000);
    assertTrue(largestFrame.get() <= Frame.MAX_PAYLOAD, "frames of at most 64 KiB: " + largestFrame.get());
    assertEquals(deviceWindow + 200_000, stream.bytesSent());
  }

  @Test
  void theReceiverGivesCreditBackOnceItsConsumerReadHalfAWindow() throws Exception {
    int window = SessionOptions.MIN_WINDOW;
    var stream = openedStream(window, SessionOptions.DEFAULT_WINDOW);
    var data = new byte[window];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    raw.send(Frame.DATA, stream.id(), data);
    await().atMost(Duration.ofSeconds(3)).until(() -> stream.input().available() == window);

    var first = stream.input().readNBytes(window / 4);
    var second = stream.input().readNBytes(window / 4);

    var credit = raw.next();
    assertEquals(Frame.WINDOW, credit.type(), "no WINDOW after a quarter window, one after half: " + credit);
    assertEquals(window / 2, credit.payload().getInt(0));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, window / 4), first);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, window / 4, window / 2), second);

    raw.send(Frame.DATA, stream.id(), "more".getBytes(StandardCharsets.US_ASCII));
    raw.send(Frame.FIN, stream.id(), new byte[0]);
    var rest = stream.input().readAllBytes();
    assertEquals(window / 2 + 4, rest.length);
    assertEquals("more", new String(rest, window / 2, 4, StandardCharsets.US_ASCII));
  }

  @Test
  void aStreamKeepsAtMostItsQueueLimitAheadOfOtherStreamsHoweverMuchCreditItHas() throws Exception {
    var stream = (MuxStream) openedStream(SessionOptions.DEFAULT_WINDOW, SessionOptions.MAX_WINDOW);
    raw.window(stream.id(), SessionOptions.MAX_WINDOW); // 32 MiB of credit; the raw end reads nothing for now
    int total = 2 * SessionOptions.MAX_WINDOW;
    RawEndThreads.startQuietly(() -> stream.output().write(new byte[total]));

    // the connection's buffers fill, then the session's queue up to the stream's limit; then its sender waits
    await().atMost(Duration.ofSeconds(10)).until(() -> stream.queued() >= MuxStream.QUEUE_LIMIT);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
        .until(() -> stream.queued() <= MuxStream.QUEUE_LIMIT + Frame.MAX_PAYLOAD);
    assertTrue(stream.bytesSent() < total, "the sender waits: " + stream.bytesSent());

    long arrived = 0;
    Frame frame;
    while (arrived < total && (frame = raw.next()) != null) {
      if (frame.type() == Frame.DATA) {
        arrived += frame.length();
      }
    }
    assertEquals(total, arrived, "once the other end reads, every byte arrives");
    assertEquals(0, stream.queued());
  }

  @Test
  void aStreamWhoseConsumerKeepsUpGrowsItsWindowToTheMostAllowed() throws Exception {
    int window = SessionOptions.MIN_WINDOW;
    var stream = (MuxStream) openedStream(window, SessionOptions.DEFAULT_WINDOW);
    // a round trip of a second: every half window read within two of them lets the window grow
    var flow = new RawFlow(stream.id(), window, Duration.ofSeconds(1));
    RawEndThreads.startQuietly(() -> stream.input().transferTo(OutputStream.nullOutputStream()));

    long total = 3L * SessionOptions.MAX_WINDOW;
    flow.send(total);

    await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytesReceived() == total);
    assertEquals(SessionOptions.MAX_WINDOW, stream.window(), "doubled from 16 KiB up to the most allowed");
    assertTrue(flow.largestCredit() > 4L * window, "the sender was given more credit: " + flow.largestCredit());
    assertTrue(flow.largestCredit() <= SessionOptions.MAX_WINDOW, "never more than the most allowed: "
        + flow.largestCredit());
    raw.send(Frame.FIN, stream.id(), new byte[0]);
    stream.output().close();
    await().atMost(Duration.ofSeconds(5)).until(() -> operator.openStreams() == 0);
    assertEquals(Mux.WINDOW_GROWTH_BUDGET, operator.takeWindowGrowth(Integer.MAX_VALUE),
        "the stream gave its growth back to the session when it ended");
  }

  @Test
  void aStreamWhoseConsumerLagsKeepsItsWindow() throws Exception {
    int window = SessionOptions.MIN_WINDOW;
    var stream = (MuxStream) openedStream(window, SessionOptions.DEFAULT_WINDOW);
    var flow = new RawFlow(stream.id(), window, Duration.ofSeconds(1));
    RawEndThreads.startQuietly(() -> flow.send(40L * window));

    // the consumer reads half a window only once a whole one waits: it, not the window, holds the stream back
    int reads = 30;
    for (int i = 0; i < reads; i++) {
      await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(5))
          .until(() -> stream.input().available() == window);
      stream.input().readNBytes(window / 2);
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> flow.granted() == (long) reads * window / 2);
    assertEquals(window, stream.window());
    assertEquals(window, flow.largestCredit(), "every credit was just what the consumer read");
  }

  /**
   * The raw end as a sender that keeps to the credit it is given, and answers PINGs with PONGs that
   * make the round trip look {@code roundTrip} long.
   */
  private final class RawFlow {
    private final int stream;
    private final long roundTripNanos;
    private final Object lock = new Object();
    private long credit;
    private long granted;
    private long largestCredit;

    RawFlow(int stream, int window, Duration roundTrip) {
      this.stream = stream;
      this.credit = window;
      this.largestCredit = window;
      this.roundTripNanos = roundTrip.toNanos();
      RawEndThreads.start(this::answer);
    }

    private void pong(Frame ping) throws IOException {
      long sentAt = ByteBuffer.wrap(ping.content()).getLong();
      raw.send(Frame.PONG, 0, ByteBuffer.allocate(8).putLong(sentAt - roundTripNanos).array());
    }

    private void answer() {
      try {
        if (firstPing != null) {
          pong(firstPing);
        }
        Frame frame;
        while ((frame = raw.nextAny()) != null) {
          if (frame.type() == Frame.PING) {
            pong(frame);
          } else if (frame.type() == Frame.WINDOW && frame.stream() == stream) {
            int more = ByteBuffer.wrap(frame.content()).getInt();
            synchronized (lock) {
              credit += more;
              granted += more;
              largestCredit = Math.max(largestCredit, credit);
              lock.notifyAll();
            }
          }
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    }

    /** Sends {@code bytes} in frames of 4 KiB, each once the credit allows it. */
    void send(long bytes) throws IOException {
      var chunk = new byte[4096];
      for (long left = bytes; left > 0; left -= chunk.length) {
        synchronized (lock) {
          while (credit < chunk.length) {
            try {
              lock.wait();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException("interrupted");
            }
          }
          credit -= chunk.length;
        }
        raw.send(Frame.DATA, stream, chunk);
      }
    }

    long largestCredit() {
      synchronized (lock) {
        return largestCredit;
      }
    }

    long granted() {
      synchronized (lock) {
        return granted;
      }
    }
  }

  /** Daemon threads for the raw end's helpers. */
  static final class RawEndThreads {
    private RawEndThreads() {}

    static void start(Runnable task) {
      var thread = new Thread(task, "test-raw");
      thread.setDaemon(true);
      thread.start();
    }

    /** Starts {@code task}; its I/O failure is the session or the raw end closing at the end of the test. */
    static void startQuietly(IoTask task) {
      start(() -> {
        try {
          task.run();
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
    }
  }

  /** Work for a helper thread that may fail with an I/O error. */
  interface IoTask {
    void run() throws IOException;
  }
}
