package dev.outpost.transport.session.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.SessionStream;
import java.io.IOException;
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
    var open = raw.next();
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
    RawEndThreads.start(() -> {
      try {
        Frame frame;
        while ((frame = raw.next()) != null) {
          if (frame.type() == Frame.DATA) {
            arrived.addAndGet(frame.length());
            largestFrame.accumulateAndGet(frame.length(), Math::max);
          }
        }
      } catch (IOException e) {
        // closed at the end of the test
      }
    });
    RawEndThreads.start(() -> {
      try {
        stream.output().write(new byte[1024 * 1024]);
      } catch (IOException e) {
        // the session ends at the end of the test
      }
    });

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
    assertEquals(window / 2, ByteBuffer.wrap(credit.payload()).getInt());
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, window / 4), first);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, window / 4, window / 2), second);

    raw.send(Frame.DATA, stream.id(), "more".getBytes(StandardCharsets.US_ASCII));
    raw.send(Frame.FIN, stream.id(), new byte[0]);
    var rest = stream.input().readAllBytes();
    assertEquals(window / 2 + 4, rest.length);
    assertEquals("more", new String(rest, window / 2, 4, StandardCharsets.US_ASCII));
  }

  /** Daemon threads for the raw end's helpers. */
  static final class RawEndThreads {
    private RawEndThreads() {}

    static void start(Runnable task) {
      var thread = new Thread(task, "test-raw");
      thread.setDaemon(true);
      thread.start();
    }
  }
}
