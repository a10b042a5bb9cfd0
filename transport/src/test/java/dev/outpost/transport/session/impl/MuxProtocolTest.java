package dev.outpost.transport.session.impl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.outpost.transport.session.SessionException;
import dev.outpost.transport.session.SessionListener;
import dev.outpost.transport.session.SessionOptions;
import dev.outpost.transport.session.SessionStream;
import dev.outpost.transport.session.StreamRefusedException;
import dev.outpost.transport.session.TargetPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The multiplexer against a peer that sends exactly the frames each test wants, over a plain socket. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MuxProtocolTest {
  private static final SessionOptions OPTIONS = SessionOptions.defaults().withHandshakeTimeout(Duration.ofSeconds(5));
  private static final byte[] NONE = new byte[0];

  private final CountDownLatch policyGate = new CountDownLatch(1);
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private ServerSocket sink;
  private RawEnd raw;
  private Mux end;

  /** A target that accepts connections and holds them. */
  @BeforeEach
  void startSink() throws IOException {
    sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    var thread = new Thread(() -> {
      while (!sink.isClosed()) {
        try {
          held.add(sink.accept());
        } catch (IOException e) {
          return;
        }
      }
    }, "test-sink");
    thread.setDaemon(true);
    thread.start();
    raw = new RawEnd();
  }

  @AfterEach
  void stop() {
    policyGate.countDown();
    if (end != null) {
      end.close();
    }
    raw.close();
    Mux.quietly(sink);
    held.forEach(Mux::quietly);
  }

  private String sinkTarget() {
    return "127.0.0.1:" + sink.getLocalPort();
  }

  private DeviceEnd device(SessionOptions options, TargetPolicy policy, SessionListener listener) throws IOException {
    raw.hello(SessionOptions.DEFAULT_WINDOW);
    var device = new DeviceEnd(raw.endSocket, raw.endSocket, RawEnd.PEER, policy, options, listener);
    end = device;
    device.start();
    assertEquals(Frame.HELLO, raw.next().type());
    return device;
  }

  private OperatorEnd operator(SessionOptions options, int deviceWindow) throws IOException {
    raw.hello(deviceWindow);
    var operator = new OperatorEnd(raw.endSocket, raw.endSocket, RawEnd.PEER, options, null);
    end = operator;
    operator.start();
    assertEquals(Frame.HELLO, raw.next().type());
    return operator;
  }

  private CompletableFuture<SessionStream> openInBackground(OperatorEnd operator, String target) {
    return CompletableFuture.supplyAsync(() -> operator.openStream(target), task -> {
      var thread = new Thread(task, "test-open");
      thread.setDaemon(true);
      thread.start();
    });
  }

  private void expect(int type, int stream, String payload) throws IOException {
    var frame = raw.next();
    assertEquals(Frame.name(type) + " " + stream + " " + payload,
        Frame.name(frame.type()) + " " + frame.stream() + " " + new String(frame.content(), StandardCharsets.UTF_8));
  }

  interface Steps {
    void run(RawEnd raw, String sinkTarget) throws IOException;
  }

  static Stream<Arguments> badFramesFromTheOperator() {
    return Stream.of(
        arguments("unknown frame type 0x2a", (Steps) (raw, sink) -> raw.sendRaw(RawEnd.header(0x2a, 0, 0))),
        arguments("DATA frame of 70000 bytes on stream 1, at most 65536 allowed",
            (Steps) (raw, sink) -> raw.sendRaw(RawEnd.header(Frame.DATA, 1, 70000))),
        arguments("the connection ended inside a DATA frame of 10 bytes", (Steps) (raw, sink) -> {
          raw.sendRaw(RawEnd.header(Frame.DATA, 1, 10));
          raw.sendRaw(new byte[] {1, 2});
          raw.socket.shutdownOutput();
        }),
        arguments("a second HELLO", (Steps) (raw, sink) -> raw.hello(SessionOptions.DEFAULT_WINDOW)),
        arguments("DATA for stream 7 that was never opened", (Steps) (raw, sink) -> raw.send(Frame.DATA, 7, "x")),
        arguments("OPEN on stream 0; it needs a stream", (Steps) (raw, sink) -> raw.send(Frame.OPEN, 0, sink)),
        arguments("OPEN for stream 1 after stream 2 was opened; stream ids must increase", (Steps) (raw, sink) -> {
          raw.send(Frame.OPEN, 2, "bad");
          raw.send(Frame.OPEN, 1, "bad");
        }),
        arguments("PING of 3 bytes; 8 expected", (Steps) (raw, sink) -> raw.send(Frame.PING, 0, new byte[3])),
        arguments("PING on stream 4; it belongs to stream 0", (Steps) (raw, sink) -> raw.send(Frame.PING, 4, new byte[8])),
        arguments("OPENED for stream 1 from the operator end, which opens streams and does not answer them",
            (Steps) (raw, sink) -> raw.send(Frame.OPENED, 1, NONE)),
        arguments("RESET with a text of 2000 bytes; at most 1024",
            (Steps) (raw, sink) -> raw.send(Frame.RESET, 0, new byte[2000])),
        arguments("DATA on stream 1 before it was opened", (Steps) (raw, sink) -> {
          raw.send(Frame.OPEN, 1, sink);
          raw.send(Frame.DATA, 1, "too early");
        }),
        arguments("WINDOW of 0 on stream 1; 1 to 2147483647 allowed", (Steps) (raw, sink) -> {
          openToSink(raw, sink);
          raw.window(1, 0);
        }),
        arguments("a second FIN on stream 1", (Steps) (raw, sink) -> {
          openToSink(raw, sink);
          raw.send(Frame.FIN, 1, NONE);
          raw.send(Frame.FIN, 1, NONE);
        }),
        arguments("WINDOW on stream 1 raises its credit above 2147483647", (Steps) (raw, sink) -> {
          openToSink(raw, sink);
          raw.window(1, Integer.MAX_VALUE);
        }));
  }

  private static void openToSink(RawEnd raw, String sink) throws IOException {
    raw.send(Frame.OPEN, 1, sink);
    var opened = raw.next();
    assertEquals(Frame.OPENED, opened.type(), "answer: " + opened);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFramesFromTheOperator")
  void aBadFrameEndsTheSessionWithItsReasonOnBothSides(String problem, Steps steps) throws Exception {
    var heard = new AtomicReference<String>();
    boolean gated = problem.contains("before it was opened");
    TargetPolicy policy = gated ? (host, port, address) -> {
      try {
        policyGate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.empty();
    } : TargetPolicy.allowAll();
    var device = device(OPTIONS, policy, new SessionListener() {
      @Override
      public void sessionClosed(String reason, long bytesSent, long bytesReceived) {
        heard.set(reason);
      }
    });

    steps.run(raw, sinkTarget());

    assertEquals("protocol error: " + problem, raw.goodbye(), "the goodbye tells the other end why");
    assertEquals("protocol error: " + problem, device.closeReason().orElseThrow());
    await().atMost(Duration.ofSeconds(3)).until(() -> ("protocol error: " + problem).equals(heard.get()));
    for (var target : held) {
      target.setSoTimeout(3000);
      assertEquals(-1, target.getInputStream().read(), "the device closed its target connection");
    }
  }

  @Test
  void theFirstFrameMustBeHello() throws Exception {
    raw.send(Frame.PING, 0, new byte[8]);
    var device = new DeviceEnd(raw.endSocket, raw.endSocket, RawEnd.PEER, TargetPolicy.allowAll(), OPTIONS, null);
    end = device;

    var failure = assertThrows(SessionException.class, device::start);

    assertEquals("protocol error: expected HELLO first, got PING(stream 0, 8 bytes)", failure.getMessage());
  }

  @Test
  void aPeerOfAnotherVersionIsRefused() throws Exception {
    raw.send(Frame.HELLO, 0, new byte[] {2, 0, 4, 0, 0});
    var device = new DeviceEnd(raw.endSocket, raw.endSocket, RawEnd.PEER, TargetPolicy.allowAll(), OPTIONS, null);
    end = device;

    var failure = assertThrows(SessionException.class, device::start);

    assertEquals("protocol error: the operator end speaks version 2, this end 1", failure.getMessage());
  }

  @Test
  void aPingIsAnsweredWithItsPayload() throws Exception {
    device(OPTIONS, TargetPolicy.allowAll(), null);
    var payload = new byte[] {1, 2, 3, 4, 5, 6, 7, 8};

    raw.send(Frame.PING, 0, payload);

    Frame frame;
    do {
      frame = raw.nextAny();
    } while (frame.type() != Frame.PONG);
    assertArrayEquals(payload, frame.content());
  }

  @Test
  void aSilentPeerIsDroppedAfterThreeKeepaliveIntervals() throws Exception {
    var device = device(OPTIONS.withKeepaliveInterval(Duration.ofMillis(100)), TargetPolicy.allowAll(), null);

    var reason = raw.goodbye();

    assertTrue(reason.startsWith("nothing heard from the operator end for "), reason);
    assertEquals(reason, device.closeReason().orElseThrow());
  }

  @Test
  void aBadTargetIsRefusedAndTheSessionGoesOn() throws Exception {
    var device = device(OPTIONS, TargetPolicy.allowAll(), null);

    raw.send(Frame.OPEN, 1, "no-port");
    expect(Frame.REFUSED, 1, "'no-port' has no port; expected host:port");
    raw.send(Frame.OPEN, 2, "[::1:22");
    expect(Frame.REFUSED, 2, "'[::1:22' is not [address]:port");

    openToSinkAs(3);
    assertTrue(device.isOpen());
  }

  private void openToSinkAs(int id) throws IOException {
    raw.send(Frame.OPEN, id, sinkTarget());
    expect(Frame.OPENED, id, "");
  }

  @Test
  void streamsBeyondTheLimitAreRefusedUntilOneEnds() throws Exception {
    var device = device(OPTIONS.withMaxStreams(1), TargetPolicy.allowAll(), null);
    openToSinkAs(1);

    raw.send(Frame.OPEN, 2, sinkTarget());
    expect(Frame.REFUSED, 2, "too many streams in this session (at most 1)");

    raw.send(Frame.RESET, 1, "done with it");
    openToSinkAs(3);
    assertTrue(device.isOpen());
  }

  @Test
  void dataBeyondTheWindowEndsTheSession() throws Exception {
    var operator = operator(OPTIONS.withWindow(SessionOptions.MIN_WINDOW), SessionOptions.DEFAULT_WINDOW);
    var stream = openInBackground(operator, "db:5432");
    expect(Frame.OPEN, 1, "db:5432");
    raw.send(Frame.OPENED, 1, NONE);
    stream.get(5, TimeUnit.SECONDS);

    raw.send(Frame.DATA, 1, new byte[SessionOptions.MIN_WINDOW]);
    raw.send(Frame.DATA, 1, new byte[1]);

    var reason = "protocol error: stream 1 sent 1 bytes with only 0 bytes of window left";
    assertEquals(reason, raw.goodbye());
    assertEquals(reason, operator.closeReason().orElseThrow());
  }

  @Test
  void theDeviceMayNotOpenStreams() throws Exception {
    var operator = operator(OPTIONS, SessionOptions.DEFAULT_WINDOW);

    raw.send(Frame.OPEN, 1, "operator-pc:22");

    var reason = "protocol error: OPEN for stream 1 from the device end, which may not open streams";
    assertEquals(reason, raw.goodbye());
    assertEquals(reason, operator.closeReason().orElseThrow());
  }

  @Test
  void anAnswerForAStreamThatWasNeverOpenedEndsTheSession() throws Exception {
    var operator = operator(OPTIONS, SessionOptions.DEFAULT_WINDOW);

    raw.send(Frame.REFUSED, 5, "no");

    assertEquals("protocol error: REFUSED for stream 5 that was never opened", raw.goodbye());
    assertEquals("protocol error: REFUSED for stream 5 that was never opened", operator.closeReason().orElseThrow());
  }

  @Test
  void theDevicesRefusalReachesTheCaller() throws Exception {
    var operator = operator(OPTIONS, SessionOptions.DEFAULT_WINDOW);
    var stream = openInBackground(operator, "db:5432");
    expect(Frame.OPEN, 1, "db:5432");

    raw.send(Frame.REFUSED, 1, "db:5432 is not allowed by this site's policy");

    var failure = assertThrows(java.util.concurrent.ExecutionException.class, () -> stream.get(5, TimeUnit.SECONDS));
    var refused = (StreamRefusedException) failure.getCause();
    assertEquals("db:5432 is not allowed by this site's policy", refused.reason());
    assertTrue(operator.isOpen());
  }

  @Test
  void aStreamTheDeviceDoesNotAnswerIsResetAndALateAnswerIsIgnored() throws Exception {
    var operator = operator(OPTIONS.withOpenTimeout(Duration.ofMillis(200)), SessionOptions.DEFAULT_WINDOW);
    var stream = openInBackground(operator, "db:5432");
    expect(Frame.OPEN, 1, "db:5432");

    var failure = assertThrows(java.util.concurrent.ExecutionException.class, () -> stream.get(5, TimeUnit.SECONDS));

    assertEquals("stream to db:5432 not opened: no answer from the device end within 200 ms",
        failure.getCause().getMessage());
    expect(Frame.RESET, 1, "no answer from the device end within 200 ms");
    raw.send(Frame.OPENED, 1, NONE);
    raw.send(Frame.DATA, 1, "late");
    raw.send(Frame.PING, 0, new byte[8]);
    Frame frame;
    do {
      frame = raw.nextAny();
    } while (frame.type() != Frame.PONG);
    assertTrue(operator.isOpen());
    assertEquals(0, operator.openStreams());
    assertNull(operator.streams.get(1));
  }
}
