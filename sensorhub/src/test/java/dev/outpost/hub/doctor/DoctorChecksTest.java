package dev.outpost.hub.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.hub.Outbox;
import dev.outpost.hub.OutboxLimits;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.transport.RouteProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The doctor's checks that need no cloud: routing table, clock arithmetic, outbox file, multicast on lo, the report. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DoctorChecksTest {
  private static final MachineRef HUB = new MachineRef("hub-1", "Hub 1", Role.HUB);

  @TempDir
  Path dir;

  @Test
  void theDefaultRouteIsReadFromTheKernelsTable() throws Exception {
    Path routes = Files.writeString(dir.resolve("route"), """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        eth0\t00000000\t0102000A\t0003\t0\t0\t0\t00000000\t0\t0\t0
        """);
    var check = GatewayCheck.run(routes);
    assertEquals(Check.Status.OK, check.status());
    assertEquals("default route via 10.0.2.1 on eth0", check.detail());
  }

  @Test
  void noDefaultRouteFailsWithAHint() throws Exception {
    Path routes = Files.writeString(dir.resolve("route"), """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        """);
    var check = GatewayCheck.run(routes);
    assertEquals(Check.Status.FAIL, check.status());
    assertTrue(check.hint().contains("default gateway"), check.hint());
    assertEquals(Check.Status.WARN, GatewayCheck.run(dir.resolve("missing")).status());
  }

  @Test
  void theClockIsJudgedByTheEndOfTheRangeNearestToZero() {
    long now = System.currentTimeMillis();
    var inStep = answered(now, now + 20, now);
    assertEquals(Check.Status.OK, ClockCheck.run(List.of(inStep), DoctorSettings.DEFAULTS).status());

    var ahead = new DoctorSettings(null, Duration.ofSeconds(10), null);
    var check = ClockCheck.run(List.of(inStep), ahead);
    assertEquals(Check.Status.FAIL, check.status(), check.toText());
    assertTrue(check.detail().startsWith("this machine is +9.") || check.detail().startsWith("this machine is +10."), check.detail());
    assertTrue(check.hint().contains("NTP"), check.hint());
    assertEquals(Check.Status.FAIL, ClockCheck.run(List.of(inStep), new DoctorSettings(null, Duration.ofSeconds(-10), null)).status());

    // 3.5 s ahead with 4 s allowed: more than half of it, within it
    var drifting = new DoctorSettings(Duration.ofSeconds(4), Duration.ofMillis(3500), null);
    assertEquals(Check.Status.WARN, ClockCheck.run(List.of(inStep), drifting).status());
  }

  @Test
  void aClockCheckWithoutAnAnswerOrDateIsOnlyAWarning() {
    long now = System.currentTimeMillis();
    var noDate = new RouteProbe("cloud:443", RouteProbe.Outcome.ANSWERED, "answered HTTP 200", 200, Map.of(), now, now, null, null);
    assertEquals(Check.Status.WARN, ClockCheck.run(List.of(noDate), DoctorSettings.DEFAULTS).status());
    var refused = RouteProbe.failed("cloud:443", RouteProbe.Outcome.CONNECT_FAILED, "connection refused");
    assertEquals(Check.Status.WARN, ClockCheck.run(List.of(refused), DoctorSettings.DEFAULTS).status());
  }

  @Test
  void aFailingRouteIsAFailOnlyWhenNoOtherAnswered() {
    long now = System.currentTimeMillis();
    var refused = RouteProbe.failed("cloud:443", RouteProbe.Outcome.CONNECT_FAILED, "connection refused");
    var alone = EndpointChecks.endpoints(List.of(refused));
    assertEquals(Check.Status.FAIL, alone.get(0).status());
    assertTrue(alone.get(0).hint().startsWith("allow outbound TCP 443 to cloud"), alone.get(0).hint());

    var withAnother = EndpointChecks.endpoints(List.of(refused, answered(now, now + 5, now)));
    assertEquals(List.of(Check.Status.WARN, Check.Status.OK), withAnother.stream().map(Check::status).toList());
  }

  @Test
  void theOutboxIsReadWhileItsOwnerKeepsWorking() {
    Path file = dir.resolve("outbox.db");
    long old = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();
    try (var outbox = Outbox.open(file, OutboxLimits.DEFAULTS)) {
      outbox.record(HUB, measurements(old, 250)).join();

      var check = OutboxCheck.run(file, OutboxLimits.DEFAULTS, Instant.now());
      assertEquals(Check.Status.WARN, check.status(), check.toText());
      assertTrue(check.detail().startsWith("250 measurements waiting, the oldest from 30 min ago"), check.detail());

      var entries = outbox.peek(0, 1_000).join();
      outbox.remove(entries.stream().map(Outbox.Entry::key).toList()).join();
      outbox.record(HUB, measurements(System.currentTimeMillis(), 3)).join();
      assertEquals(3, outbox.depth(), "the outbox works on after the doctor read it");
      var after = OutboxCheck.run(file, OutboxLimits.DEFAULTS, Instant.now());
      assertEquals(Check.Status.OK, after.status(), after.toText());
      assertTrue(after.detail().startsWith("3 measurements waiting"), after.detail());
    }
    assertEquals(3, Outbox.summary(file).depth(), "and after it closed");
  }

  @Test
  void aMissingOutboxIsFineAndAnUnreadableOneFails() throws Exception {
    assertEquals(Check.Status.OK, OutboxCheck.run(dir.resolve("none.db"), OutboxLimits.DEFAULTS, Instant.now()).status());
    Path junk = Files.writeString(dir.resolve("junk.db"), "not a MapDB file");
    assertEquals(Check.Status.FAIL, OutboxCheck.run(junk, OutboxLimits.DEFAULTS, Instant.now()).status());
    assertEquals("not a MapDB file", Files.readString(junk), "the doctor changes nothing");
  }

  @Test
  void multicastOnLoopbackHearsItsOwnProbe() {
    var checks = MulticastCheck.run(DiscoveryConfig.loopback(), Duration.ofSeconds(2));
    assertEquals(1, checks.size());
    assertEquals(Check.Status.OK, checks.get(0).status(), checks.get(0).toText());
    assertTrue(checks.get(0).detail().startsWith("lo: joined 239.255.255.250:1900"), checks.get(0).detail());
  }

  @Test
  void multicastOnAMissingInterfaceFails() {
    var checks = MulticastCheck.run(DiscoveryConfig.loopback().withInterfaces(List.of("nosuch0")), Duration.ofSeconds(1));
    assertEquals(Check.Status.FAIL, checks.get(0).status());
    assertTrue(checks.get(0).detail().contains("nosuch0 does not exist"), checks.get(0).detail());
  }

  @Test
  void theReportPrintsOneLinePerCheckAndTheSameAsJson() throws Exception {
    var report = new DoctorReport(List.of(Check.ok("gateway", "default route via 10.0.2.1 on eth0"),
        Check.fail("endpoint", "cloud:443: connection refused", "allow outbound TCP 443 to cloud")));
    assertEquals("OK    gateway     default route via 10.0.2.1 on eth0\n"
        + "FAIL  endpoint    cloud:443: connection refused — allow outbound TCP 443 to cloud\n", report.toText());
    assertEquals(1, report.exitCode());
    var json = new ObjectMapper().readTree(report.toJson());
    assertEquals(2, json.size());
    assertEquals("FAIL", json.get(1).get("status").asText());
    assertEquals("allow outbound TCP 443 to cloud", json.get(1).get("hint").asText());
    assertTrue(json.get(0).get("hint").isNull());
    assertEquals(0, new DoctorReport(List.of(Check.warn("clock", "x", "y"))).exitCode());
  }

  private static RouteProbe answered(long sent, long received, long cloudNow) {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(cloudNow).atOffset(ZoneOffset.UTC));
    return new RouteProbe("cloud:443", RouteProbe.Outcome.ANSWERED, "answered HTTP 200", 200, Map.of("Date", date),
        sent, received, null, "TLSv1.3");
  }

  private static List<Measurement> measurements(long time, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> new Measurement("cpu", time + i, State.OK, Map.of("load", (double) i), Map.of(), "")).toList();
  }
}
