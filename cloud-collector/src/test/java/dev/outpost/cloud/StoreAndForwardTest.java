package dev.outpost.cloud;

import static dev.outpost.cloud.TestCloud.await;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.Batch;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store-and-forward as the cloud sees it, on a real cloud with real uploads over mutual TLS: the
 * path of each hub's measurements (through a connector, or direct with the hub's own certificate),
 * the machines' outbox reports, their clock offsets and the correction of skewed measurement
 * times, and the metrics about them. Each test has a cloud of its own.
 */
class StoreAndForwardTest {
  static final MachineRef CONN = new MachineRef("conn-a", "Connector A", Role.CONNECTOR);
  static final MachineRef HUB = new MachineRef("hub-a", "Hub A", Role.HUB);
  static final MachineRef OTHER_HUB = new MachineRef("hub-b", "Hub B", Role.HUB);
  static final long TEN_MINUTES = Duration.ofMinutes(10).toMillis();
  /** How much later than a test's clock reading the cloud may receive an upload (loopback, a busy build machine). */
  static final long TRANSIT = 5_000;

  @TempDir
  Path dir;
  TestCloud test;
  TestCloud.Device conn;
  TestCloud.Device hub;
  final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
  WebSocket channel;

  @BeforeEach
  void start() throws Exception {
    test = TestCloud.start(dir.resolve("cloud"), null);
    conn = test.connector(CONN.uid(), dir.resolve(CONN.uid()));
    hub = test.hub(HUB.uid(), dir.resolve(HUB.uid()));
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null && !channel.isClosed()) {
      await(channel.close());
    }
    if (test != null) {
      test.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // paths

  @Test
  void aHubsPathIsTheConnectorItsNewestBatchCameThroughOrDirect() throws Exception {
    assertNull(machine(HUB.uid()).getValue("path"), "enrolled, never heard of: path unknown");

    // the connector forwards the hub's first batch
    upload(conn, new Upload(CONN.uid(), List.of(batch(HUB, 1, 2, System.currentTimeMillis()))));
    assertEquals(connectorPath(CONN.uid()), machine(HUB.uid()).getJsonObject("path"));

    // the hub loses its connector and uploads its newer measurements itself, with its own certificate
    upload(hub, new Upload(HUB.uid(), List.of(batch(HUB, 4, 2, System.currentTimeMillis()))));
    assertEquals(directPath(), machine(HUB.uid()).getJsonObject("path"));
    assertNull(machine(CONN.uid()).getValue("path"), "a connector has no path");

    // the connector forwards the rest of its backlog (older than what the hub sent itself): the hub stays direct
    var ack = upload(conn, new Upload(CONN.uid(), List.of(batch(HUB, 3, 1, System.currentTimeMillis()))));
    assertEquals(1, ack.getInteger("stored"));
    assertEquals(directPath(), machine(HUB.uid()).getJsonObject("path"));

    // the connector's hello lists the hubs it knows: that does not make the hub linked to it
    openChannel(List.of(HUB));
    awaitConfigure(HUB.uid());
    assertEquals(directPath(), machine(HUB.uid()).getJsonObject("path"));

    // the hub comes back to the connector (its service restarted): the connector reports it
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.MachinesSeen(List.of(HUB))));
    await().atMost(Duration.ofSeconds(10)).until(() -> connectorPath(CONN.uid()).equals(machine(HUB.uid()).getJsonObject("path")));
    JsonArray machines = test.get("/api/v1/machines").bodyAsJsonArray();
    assertEquals(connectorPath(CONN.uid()), byUid(machines, HUB.uid()).getJsonObject("path"), machines.encode());
  }

  @Test
  void afterARestartAHubIsBehindItsStoredConnectorUntilItIsHeardOfAgain() throws Exception {
    var otherHub = test.hub(OTHER_HUB.uid(), dir.resolve(OTHER_HUB.uid()));
    upload(conn, new Upload(CONN.uid(), List.of(batch(HUB, 1, 1, System.currentTimeMillis()))));
    upload(otherHub, new Upload(OTHER_HUB.uid(), List.of(batch(OTHER_HUB, 1, 1, System.currentTimeMillis()))));
    assertEquals(directPath(), machine(OTHER_HUB.uid()).getJsonObject("path"));

    test.close();
    test = TestCloud.start(new CloudConfig(dir.resolve("cloud"), "127.0.0.1", 0,
        new CloudConfig.Bootstrap(TestCloud.ORGANISATION, TestCloud.USER, TestCloud.PASSWORD), null, null));

    assertEquals(connectorPath(CONN.uid()), machine(HUB.uid()).getJsonObject("path"), "from the stored via");
    assertNull(machine(OTHER_HUB.uid()).getValue("path"), "a direct path is not stored: unknown until the hub uploads again");
    var again = new TestCloud.Device(OTHER_HUB.uid(), otherHub.folder(), test.deviceClient(otherHub.folder()));
    upload(again, new Upload(OTHER_HUB.uid(), List.of(batch(OTHER_HUB, 2, 1, System.currentTimeMillis()))));
    assertEquals(directPath(), machine(OTHER_HUB.uid()).getJsonObject("path"));
  }

  @Test
  void aHubThatSaidGoodbyeIsBackWhenItUploadsItself() throws Exception {
    openChannel(List.of(HUB));
    awaitConfigure(HUB.uid());
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.MachineLeft(HUB.uid(), "shut down")));
    await().atMost(Duration.ofSeconds(10)).until(() -> "shutdown".equals(machine(HUB.uid()).getValue("offline")));
    assertFalse(machine(HUB.uid()).getBoolean("online"));

    upload(hub, new Upload(HUB.uid(), List.of(batch(HUB, 1, 1, System.currentTimeMillis()))));

    var back = machine(HUB.uid());
    assertTrue(back.getBoolean("online"), back.encode());
    assertNull(back.getValue("offline"), back.encode());
    assertEquals(directPath(), back.getJsonObject("path"));
  }

  // ---------------------------------------------------------------------------------------------
  // outbox reports

  @Test
  void theNewestOutboxReportOfEachMachineIsShownAndSummedInTheMetrics() throws Exception {
    test.hub(OTHER_HUB.uid(), dir.resolve(OTHER_HUB.uid()));
    long reported = Instant.now().minusSeconds(30).toEpochMilli();
    // the connector's own report from an older machine (queued and dropped only), and its hub's with every value
    upload(conn, new Upload(CONN.uid(), List.of(
        new Batch(CONN, 1, List.of(outbox(reported, Map.of("queued", 5.0, "dropped", 2.0)))),
        new Batch(HUB, 1, List.of(outbox(reported, Map.of("queued", 7.0, "dropped", 1.0, "expired", 3.0, "oldestAgeSeconds", 90.0)))))));

    assertEquals(new JsonObject().put("queued", 5).put("dropped", 2).put("expired", 0).put("oldestAgeSeconds", 0)
        .put("reportedAt", Instant.ofEpochMilli(reported).toString()), machine(CONN.uid()).getJsonObject("outbox"));
    assertEquals(new JsonObject().put("queued", 7).put("dropped", 1).put("expired", 3).put("oldestAgeSeconds", 90)
        .put("reportedAt", Instant.ofEpochMilli(reported).toString()), machine(HUB.uid()).getJsonObject("outbox"));
    var other = machine(OTHER_HUB.uid());
    assertTrue(other.containsKey("outbox") && other.getValue("outbox") == null, "no report yet: " + other.encode());
    var listed = byUid(test.get("/api/v1/machines").bodyAsJsonArray(), HUB.uid());
    assertEquals(7, listed.getJsonObject("outbox").getInteger("queued"), listed.encode());

    // an older report that arrives later (a backlog) does not replace the newest
    upload(conn, new Upload(CONN.uid(), List.of(new Batch(HUB, 2, List.of(outbox(reported - 60_000, Map.of("queued", 1000.0)))))));
    assertEquals(7, machine(HUB.uid()).getJsonObject("outbox").getInteger("queued"));

    var metrics = metrics();
    assertEquals(12.0, metric(metrics, "outpost_machines_outbox_queued"), metrics);
    assertEquals(3.0, metric(metrics, "outpost_machines_outbox_dropped"), metrics);
    assertEquals(3.0, metric(metrics, "outpost_machines_outbox_expired"), metrics);

    // a newer report of the hub replaces its share of the totals
    upload(conn, new Upload(CONN.uid(), List.of(new Batch(HUB, 3, List.of(outbox(reported + 1000, Map.of("queued", 0.0, "dropped", 4.0)))))));
    metrics = metrics();
    assertEquals(5.0, metric(metrics, "outpost_machines_outbox_queued"), metrics);
    assertEquals(6.0, metric(metrics, "outpost_machines_outbox_dropped"), metrics);
    assertEquals(0.0, metric(metrics, "outpost_machines_outbox_expired"), metrics);
  }

  // ---------------------------------------------------------------------------------------------
  // clocks

  @Test
  void aConnectorTenMinutesAheadIsSkewedAndItsAndItsHubsTimesAreShiftedBack() throws Exception {
    long hubAheadOfConnector = 5_000;
    long now = System.currentTimeMillis();
    var upload = new Upload(CONN.uid(), List.of(
        new Batch(CONN, 1, List.of(cpu(now + TEN_MINUTES))),
        new Batch(HUB, 1, List.of(cpu(now + TEN_MINUTES + hubAheadOfConnector)))),
        System.currentTimeMillis() + TEN_MINUTES, Map.of(HUB.uid(), hubAheadOfConnector));
    upload(conn, upload);

    var connClock = machine(CONN.uid()).getJsonObject("clock");
    assertOffset(TEN_MINUTES, connClock);
    assertTrue(connClock.getBoolean("skewed"), connClock.encode());
    assertTrue(Duration.between(Instant.parse(connClock.getString("measuredAt")), Instant.now()).abs().toMillis() < TRANSIT, connClock.encode());
    var hubClock = machine(HUB.uid()).getJsonObject("clock");
    assertOffset(TEN_MINUTES + hubAheadOfConnector, hubClock);
    assertTrue(hubClock.getBoolean("skewed"), hubClock.encode());

    // stored in the cloud's clock: about now, not ten minutes ahead
    assertStoredAbout(now, CONN.uid());
    assertStoredAbout(now, HUB.uid());
    assertEquals(2.0, metric(metrics(), "outpost_machines_clock_skewed"));

    // a slower upload (its sample is lower by the delay) does not lower the estimate: the largest sample counts
    upload(conn, new Upload(CONN.uid(), List.of(new Batch(CONN, 2, List.of(cpu(now + TEN_MINUTES + 1000)))),
        System.currentTimeMillis() + TEN_MINUTES - 3_000, Map.of()));
    assertOffset(TEN_MINUTES, machine(CONN.uid()).getJsonObject("clock"));
  }

  @Test
  void aClockWithinTheLimitIsMeasuredButLeftAlone() throws Exception {
    long t1 = System.currentTimeMillis() - 2_000;
    upload(conn, new Upload(CONN.uid(), List.of(new Batch(CONN, 1, List.of(cpu(t1))))));
    var unmeasured = machine(CONN.uid());
    assertTrue(unmeasured.containsKey("clock") && unmeasured.getValue("clock") == null, "no sentAt, no sample: " + unmeasured.encode());

    long t2 = System.currentTimeMillis();
    upload(conn, new Upload(CONN.uid(), List.of(new Batch(CONN, 2, List.of(cpu(t2))), new Batch(HUB, 1, List.of(cpu(t2 + 500)))),
        System.currentTimeMillis() + 1_000, Map.of(HUB.uid(), 500L)));

    var connClock = machine(CONN.uid()).getJsonObject("clock");
    assertOffset(1_000, connClock);
    assertFalse(connClock.getBoolean("skewed"), connClock.encode());
    var hubClock = machine(HUB.uid()).getJsonObject("clock");
    assertOffset(1_500, hubClock);
    assertFalse(hubClock.getBoolean("skewed"), hubClock.encode());
    assertEquals(List.of(Instant.ofEpochMilli(t1).toString(), Instant.ofEpochMilli(t2).toString()), storedTimes(CONN.uid()),
        "stored as sent");
    assertEquals(List.of(Instant.ofEpochMilli(t2 + 500).toString()), storedTimes(HUB.uid()), "stored as sent");
    assertEquals(0.0, metric(metrics(), "outpost_machines_clock_skewed"));
  }

  @Test
  void theLimitIsTheConfiguredMaxSkew() throws Exception {
    test.close();
    test = TestCloud.start(new CloudConfig(dir.resolve("cloud"), "127.0.0.1", 0,
        new CloudConfig.Bootstrap(TestCloud.ORGANISATION, TestCloud.USER, TestCloud.PASSWORD), null, null, null, null,
        new CloudConfig.Clock(Duration.ofMinutes(15))));
    var again = new TestCloud.Device(CONN.uid(), conn.folder(), test.deviceClient(conn.folder()));
    long t = System.currentTimeMillis() + TEN_MINUTES;

    upload(again, new Upload(CONN.uid(), List.of(new Batch(CONN, 1, List.of(cpu(t)))), System.currentTimeMillis() + TEN_MINUTES, Map.of()));

    var clock = machine(CONN.uid()).getJsonObject("clock");
    assertOffset(TEN_MINUTES, clock);
    assertFalse(clock.getBoolean("skewed"), clock.encode());
    assertEquals(List.of(Instant.ofEpochMilli(t).toString()), storedTimes(CONN.uid(), t - 60_000, t + 60_000));
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  static Batch batch(MachineRef source, long firstSeq, int count, long startMs) {
    var measurements = new java.util.ArrayList<Measurement>();
    for (int i = 0; i < count; i++) {
      measurements.add(cpu(startMs + i));
    }
    return new Batch(source, firstSeq, measurements);
  }

  static Measurement cpu(long time) {
    return new Measurement("cpu", time, State.OK, Map.of("load", 0.5), Map.of(), "");
  }

  static Measurement outbox(long time, Map<String, Double> values) {
    return new Measurement("outbox", time, State.OK, values, Map.of(), "");
  }

  static JsonObject connectorPath(String connector) {
    return new JsonObject().put("type", "connector").put("connector", connector);
  }

  static JsonObject directPath() {
    return new JsonObject().put("type", "direct");
  }

  /** Uploads and expects it stored; the ack. */
  static JsonObject upload(TestCloud.Device device, Upload upload) throws Exception {
    var answer = device.upload(Wire.toCbor(upload));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    var ack = answer.bodyAsJsonObject();
    assertEquals(0, ack.getInteger("refused"), ack.encode());
    return ack;
  }

  JsonObject machine(String uid) throws Exception {
    var answer = test.get("/api/v1/machines/" + uid);
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject();
  }

  static JsonObject byUid(JsonArray machines, String uid) {
    return machines.stream().map(JsonObject.class::cast).filter(m -> uid.equals(m.getString("uid"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + uid + " in " + machines.encode()));
  }

  /** The offset was measured from an upload sent with the uploader's clock this far ahead: a little less at most. */
  static void assertOffset(long sentAhead, JsonObject clock) {
    assertNotNull(clock, "measured");
    long offset = clock.getLong("offsetMs");
    assertTrue(offset <= sentAhead && offset > sentAhead - TRANSIT, "offset " + offset + " is about " + sentAhead + ": " + clock.encode());
  }

  /** The machine's one cpu measurement is stored at about the given cloud time (a little later at most). */
  void assertStoredAbout(long cloudTime, String uid) throws Exception {
    var times = storedTimes(uid, cloudTime - TEN_MINUTES * 3, cloudTime + TEN_MINUTES * 3);
    assertEquals(1, times.size(), uid + ": " + times);
    long stored = Instant.parse(times.get(0)).toEpochMilli();
    assertTrue(stored >= cloudTime && stored < cloudTime + TRANSIT, uid + " stored at " + times.get(0) + ", sent at "
        + Instant.ofEpochMilli(cloudTime) + " in the cloud's clock");
  }

  List<String> storedTimes(String uid) throws Exception {
    long now = System.currentTimeMillis();
    return storedTimes(uid, now - 60_000, now + 60_000);
  }

  List<String> storedTimes(String uid, long fromMs, long toMs) throws Exception {
    var answer = test.get("/api/v1/machines/" + uid + "/measurements?sensor=cpu&from=" + Instant.ofEpochMilli(fromMs)
        + "&to=" + Instant.ofEpochMilli(toMs));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonArray().stream().map(r -> ((JsonObject) r).getString("time")).toList();
  }

  String metrics() throws Exception {
    var answer = await(test.client.get("/metrics").send());
    assertEquals(200, answer.statusCode());
    return answer.bodyAsString();
  }

  /** The value of an untagged metric in Prometheus text. */
  static double metric(String metrics, String name) {
    return metrics.lines().filter(l -> l.startsWith(name + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no " + name + " in\n" + metrics));
  }

  void openChannel(List<MachineRef> hubs) throws Exception {
    channel = test.channel(conn, frames::add);
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.Hello(Wire.VERSION, CONN, hubs)));
  }

  /** Waits for the configuration of the machine on the command channel. */
  void awaitConfigure(String uid) throws InterruptedException {
    while (true) {
      String text = frames.poll(10, TimeUnit.SECONDS);
      assertNotNull(text, "no configuration of " + uid + " on the channel");
      var frame = new JsonObject(text);
      if ("configure".equals(frame.getString("type")) && uid.equals(frame.getJsonObject("config").getString("machine"))) {
        return;
      }
    }
  }
}
