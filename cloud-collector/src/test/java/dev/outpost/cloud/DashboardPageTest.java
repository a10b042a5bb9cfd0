package dev.outpost.cloud;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium against a real cloud collector: login (wrong, then
 * right), the machine list, a machine's sensors, a sensor's chart, the hubs waiting for approval
 * (approved and rejected from the page), logout; and no Content Security Policy violation on the
 * way. The machines enrol as real ones do ({@link TestCloud}): the connector and hub-1 with tokens,
 * two more hubs without a token through the connector's command channel, so that they wait. Skips
 * when Debian's chromium and chromedriver are not installed
 * ({@code apt-get install -y --no-install-recommends chromium chromium-driver}).
 *
 * <p>{@code -Doutpost.dashboard.screenshot=/tmp/dashboard.png} saves a screenshot of the page with
 * the chart shown, and {@code /tmp/dashboard-pending.png} one with the hubs waiting for approval.
 */
class DashboardPageTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;
  @TempDir
  Path browserProfile;

  private TestCloud test;
  private CloudCollector cloud;
  private TestCloud.Device connector;
  private WebSocketClient webSockets;
  private WebSocket channel;
  private WebDriver driver;

  @BeforeEach
  void startCloudAndBrowser() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (apt-get install -y --no-install-recommends chromium chromium-driver)");
    test = TestCloud.start(dir, null);
    cloud = test.cloud;
    driver = startChromium();
  }

  @AfterEach
  void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (channel != null) {
      channel.close().await(30, SECONDS);
    }
    if (test != null) {
      test.close();
    }
  }

  private WebDriver startChromium() {
    // Selenium Manager must never go to the internet: the driver and the browser are given below.
    System.setProperty("SE_OFFLINE", "true");
    var options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1200,1300", "--lang=en-US",
        "--user-data-dir=" + browserProfile,
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        // Acceptable only because the server's certificate comes from the throwaway CA the cloud
        // created a moment ago in this test's temporary folder; nothing else is reachable (see the
        // rules above).
        "--ignore-certificate-errors");
    var logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    var service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }

  @Test
  void logInSeeMachineSensorAndChartLogOut() throws Exception {
    driver.get("https://127.0.0.1:" + cloud.port() + "/");
    var wait = new WebDriverWait(driver, WAIT);
    wait.ignoring(StaleElementReferenceException.class);

    // a wrong password: an error, still the login form
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
    logIn("not-the-password");
    wait.until(d -> !d.findElement(By.id("login-error")).getText().isBlank());
    assertTrue(driver.findElement(By.id("login-form")).isDisplayed());
    assertNull(sessionToken());

    // the right one: no machines yet, none waiting for approval
    logIn(TestCloud.PASSWORD);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("machines-empty")));
    assertFalse(driver.findElement(By.id("login-form")).isDisplayed());
    assertTrue(driver.findElement(By.id("machines-empty")).getText().startsWith("No machines yet"));
    assertFalse(driver.findElement(By.id("pending-view")).isDisplayed());
    assertTrue(driver.findElements(By.cssSelector("#pending tr.pending")).isEmpty());

    // a hub's measurements arrive: the next refresh (every 5 s) lists it, online
    var usedPercent = List.of(41.0, 44.5, 52.25, 48.0, 61.0, 92.5);
    postMemoryMeasurements(usedPercent);
    By hubRow = By.cssSelector("#machines tr.machine[data-uid='hub-1']");
    wait.until(d -> d.findElement(hubRow).getText().contains("online"));
    assertFalse(driver.findElement(By.id("machines-empty")).isDisplayed());
    String hub = driver.findElement(hubRow).getText();
    assertTrue(hub.contains("Hub One") && hub.contains("hub") && hub.contains("conn-1"), hub);
    assertTrue(driver.findElement(hubRow).findElement(By.tagName("time")).getDomAttribute("title").endsWith("Z"),
        "last contact has the ISO time as title");

    // its sensors: the memory sensor with its newest value, a WARNING
    clickWhenReady(wait, hubRow);
    By memoryRow = By.cssSelector("#sensors tr.sensor[data-id='memory']");
    wait.until(d -> d.findElement(memoryRow).getText().contains("92.5 %"));
    String memory = driver.findElement(memoryRow).getText();
    assertTrue(memory.contains("WARNING") && memory.contains("usedPercent") && memory.contains("memory used 92.5 %"), memory);
    assertEquals("badge badge-warning", driver.findElement(memoryRow).findElement(By.cssSelector(".badge")).getDomAttribute("class"));
    assertTrue(driver.findElement(By.cssSelector("#sensors tr.sensor[data-id='cpu']")).getText().contains("no data"));

    // its chart: one point per measurement posted, with axis labels
    clickWhenReady(wait, memoryRow);
    By line = By.cssSelector("#chart svg polyline");
    wait.until(d -> pointCount(d.findElement(line)) == usedPercent.size());
    assertEquals("usedPercent", driver.findElement(By.id("chart-value")).getDomProperty("value"));
    assertEquals("92.5 %", driver.findElement(By.cssSelector("#chart svg text[data-axis='y-max']")).getText());
    assertEquals("41 %", driver.findElement(By.cssSelector("#chart svg text[data-axis='y-min']")).getText());
    assertEquals(1, driver.findElements(By.cssSelector("#chart svg circle.warning")).size());
    screenshotIfAsked("");

    // two hubs ask to join through the connector without a token: they wait for approval
    askToJoin(List.of("hub-2", "hub-3"));
    By hub2 = By.cssSelector("#pending tr.pending[data-uid='hub-2']");
    By hub3 = By.cssSelector("#pending tr.pending[data-uid='hub-3']");
    wait.until(ExpectedConditions.visibilityOfElementLocated(hub3));
    wait.until(ExpectedConditions.visibilityOfElementLocated(hub2));
    // the connector's hello renamed it; a refresh shows its name as the hub's way in
    wait.until(d -> d.findElement(hub2).getText().contains("Connector One"));
    String waiting = driver.findElement(hub2).getText();
    assertTrue(waiting.contains("hub-2 name") && waiting.contains("192.0.2.7") && waiting.contains("SHA256:"), waiting);
    assertEquals(2, driver.findElements(By.cssSelector("#pending tr.pending")).size());
    screenshotIfAsked("-pending");
    assertTrue(driver.findElements(By.cssSelector("#machines tr.machine[data-uid='hub-2']")).isEmpty());

    // approve hub-2: it leaves the list and becomes a machine; reject hub-3 (after confirming)
    driver.findElement(hub2).findElement(By.cssSelector("button.approve")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(hub2));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#machines tr.machine[data-uid='hub-2']")));
    assertTrue(driver.findElement(hub3).isDisplayed());
    driver.findElement(hub3).findElement(By.cssSelector("button.reject")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("pending-view")));
    assertTrue(driver.findElements(By.cssSelector("#pending tr.pending")).isEmpty());
    assertEquals(Set.of("hub-3"), uids(test.get("/api/v1/machines?state=rejected").bodyAsJsonArray()));
    assertTrue(uids(test.get("/api/v1/machines?state=approved").bodyAsJsonArray()).contains("hub-2"));
    assertEquals("", driver.findElement(By.id("status")).getDomProperty("textContent"), "no error shown");

    // logout: the login form again, the token gone
    driver.findElement(By.id("logout")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
    assertNull(sessionToken());
    assertTrue(driver.findElements(By.cssSelector("#machines tr.machine")).isEmpty());

    assertNoPolicyViolations();
  }

  /** Posts one upload with a batch of hub-1's memory measurements spread over the last ten minutes; the last one a WARNING. */
  private void postMemoryMeasurements(List<Double> usedPercent) throws Exception {
    long now = System.currentTimeMillis();
    var measurements = new ArrayList<Measurement>();
    for (int i = 0; i < usedPercent.size(); i++) {
      double value = usedPercent.get(i);
      boolean last = i == usedPercent.size() - 1;
      long time = now - Duration.ofMinutes(10).toMillis() + i * Duration.ofMinutes(2).toMillis() - (last ? 30_000 : 0);
      measurements.add(new Measurement("memory", time, last ? State.WARNING : State.OK,
          Map.of("usedPercent", value), Map.of("usedPercent", "%"),
          "memory used " + value + " %" + (last ? " (warning above 90 %)" : "")));
    }
    // the connector and the hub enrol with tokens (the hub would through its connector); the connector uploads
    connector = test.connector("conn-1", dir.resolve("conn-1"));
    var hub = test.enrol("hub-1", MachineKeys.generate(), Role.HUB, test.enrolmentToken(Role.HUB));
    assertEquals(200, hub.statusCode(), hub.bodyAsString());
    var upload = new Upload("conn-1", List.of(new Batch(new MachineRef("hub-1", "Hub One", Role.HUB), 1, measurements)));
    var response = connector.upload(Wire.toCbor(upload));
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals(new JsonObject().put("stored", usedPercent.size()).put("duplicates", 0).put("refused", 0),
        response.bodyAsJsonObject());
    assertEquals(usedPercent.size(), cloud.store().countFor("hub-1"));
  }

  /**
   * The connector opens its command channel with its certificate and passes on enrolment requests
   * of hubs that have no token: they wait for an admin.
   */
  private void askToJoin(List<String> hubs) throws Exception {
    var files = TlsFiles.inFolder(connector.folder());
    webSockets = test.vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(files.ca().toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(files.key().toString()).setCertPath(files.certificate().toString())));
    channel = webSockets.connect(new WebSocketConnectOptions().setSsl(true)
        .setHost("127.0.0.1").setPort(cloud.port()).setURI("/device/v1/channel")).await(30, SECONDS);
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.Hello(Wire.VERSION,
        new MachineRef("conn-1", "Connector One", Role.CONNECTOR), List.of(new MachineRef("hub-1", "Hub One", Role.HUB)))));
    for (String uid : hubs) {
      var request = new Enrolment.Request(Wire.VERSION, null, SigningRequest.create(MachineKeys.generate(), uid), uid + " name", Role.HUB);
      channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.EnrolHub(request, "192.0.2.7")));
    }
  }

  private static Set<String> uids(JsonArray machines) {
    return Set.copyOf(machines.stream().map(m -> ((JsonObject) m).getString("uid")).toList());
  }

  private void logIn(String password) {
    for (var field : Map.of("organisation", TestCloud.ORGANISATION, "user", TestCloud.USER, "password", password).entrySet()) {
      var input = driver.findElement(By.id(field.getKey()));
      input.clear();
      input.sendKeys(field.getValue());
    }
    driver.findElement(By.id("login-submit")).click();
  }

  /** Clicks an element, again if a refresh replaced it in between. */
  private static void clickWhenReady(WebDriverWait wait, By by) {
    wait.until(d -> {
      d.findElement(by).click();
      return true;
    });
  }

  private static int pointCount(WebElement polyline) {
    String points = polyline.getDomAttribute("points").trim();
    return points.isEmpty() ? 0 : points.split("\\s+").length;
  }

  private Object sessionToken() {
    return ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('outpost.token');");
  }

  private void assertNoPolicyViolations() {
    List<String> violations = new ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      String message = entry.getMessage();
      if (message.contains("Content Security Policy") || message.contains("Refused to")) {
        violations.add(message);
      }
    }
    assertTrue(violations.isEmpty(), "CSP violations in the browser console: " + violations);
  }

  /** Saves a screenshot when asked to; the suffix goes before the file's extension. */
  private void screenshotIfAsked(String suffix) throws IOException {
    String target = System.getProperty("outpost.dashboard.screenshot");
    if (target != null && !target.isBlank()) {
      int dot = target.lastIndexOf('.');
      String file = dot > target.lastIndexOf('/') ? target.substring(0, dot) + suffix + target.substring(dot) : target + suffix;
      var png = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(png, Path.of(file), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
