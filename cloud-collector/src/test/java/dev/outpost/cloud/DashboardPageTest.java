package dev.outpost.cloud;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * right), the machine list, a machine's sensors, a sensor's chart, logout; and no Content Security
 * Policy violation on the way. Skips when Debian's chromium and chromedriver are not installed
 * ({@code apt-get install -y --no-install-recommends chromium chromium-driver}).
 *
 * <p>{@code -Doutpost.dashboard.screenshot=/tmp/dashboard.png} saves a screenshot of the page with
 * the chart shown.
 */
class DashboardPageTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String ORGANISATION = "demo";
  private static final String USER = "admin";
  private static final String PASSWORD = "a-password-123";
  private static final String SITE_KEY = "a-site-key-1234";
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;
  @TempDir
  Path browserProfile;

  private Vertx vertx;
  private CloudCollector cloud;
  private WebClient client;
  private WebDriver driver;

  @BeforeEach
  void startCloudAndBrowser() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (apt-get install -y --no-install-recommends chromium chromium-driver)");

    var ca = CertificateAuthority.create(ORGANISATION);
    var keys = MachineKeys.generate();
    var cert = ca.issue(keys.getPublic(), "cloud", "cloud", List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(30));
    TlsFiles.write(dir, keys, List.of(cert, ca.certificate()), ca.certificate());

    vertx = Vertx.vertx();
    cloud = CloudCollector.start(vertx, new CloudConfig(dir, "127.0.0.1", 0,
        new CloudConfig.Bootstrap(ORGANISATION, USER, PASSWORD, SITE_KEY), null, null)).await(60, SECONDS);
    client = WebClient.create(vertx, new WebClientOptions()
        .setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve(TlsFiles.CA_FILE).toString())));

    driver = startChromium();
  }

  @AfterEach
  void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (client != null) {
      client.close();
    }
    if (cloud != null) {
      cloud.stop().await(30, SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(30, SECONDS);
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
        // Acceptable only because the server's certificate comes from the throwaway CA this test
        // created a moment ago in its temporary folder; nothing else is reachable (see the rules above).
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

    // the right one: no machines yet
    logIn(PASSWORD);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("machines-empty")));
    assertFalse(driver.findElement(By.id("login-form")).isDisplayed());
    assertTrue(driver.findElement(By.id("machines-empty")).getText().startsWith("No machines yet"));

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
    screenshotIfAsked();

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
    var upload = new Upload("conn-1", List.of(new Batch(new MachineRef("hub-1", "Hub One", Role.HUB), 1, measurements)));
    var response = client.post(cloud.port(), "127.0.0.1", "/device/v1/batches")
        .putHeader("Authorization", "Bearer " + SITE_KEY)
        .putHeader("Content-Type", Wire.CBOR)
        .sendBuffer(Buffer.buffer(Wire.toCbor(upload)))
        .await(30, SECONDS);
    assertEquals(200, response.statusCode(), response.bodyAsString());
    assertEquals(usedPercent.size(), cloud.store().countFor("hub-1"));
  }

  private void logIn(String password) {
    for (var field : Map.of("organisation", ORGANISATION, "user", USER, "password", password).entrySet()) {
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

  private void screenshotIfAsked() throws IOException {
    String target = System.getProperty("outpost.dashboard.screenshot");
    if (target != null && !target.isBlank()) {
      var png = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(png, Path.of(target), StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
