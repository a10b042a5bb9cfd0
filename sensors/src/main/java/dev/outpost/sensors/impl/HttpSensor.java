package dev.outpost.sensors.impl;

import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * {@code http}: one HTTP(S) request: the status, the time to the answer and its body, whether the
 * body contains a text, and for HTTPS the days until the server's certificate expires. HTTPS
 * verifies the certificate and the host name as a browser would; {@code caFile} adds a trusted CA
 * to the system's, it never turns verification off.
 */
final class HttpSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("http", HttpSensor::create);

  /** How much of the body is read, and searched for {@code contains}. */
  static final int MAX_BODY = 1 << 20;
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "OPTIONS");
  private static final Pattern CHARSET = Pattern.compile("(?i)charset=\"?([^\";\\s]+)");

  private final URI url;
  private final String method;
  private final StatusRange expect;
  private final String contains;
  private final String authorization;
  private final Path caFile;
  private final boolean followRedirects;
  private final int timeoutMs;

  private HttpSensor(URI url, String method, StatusRange expect, String contains, String authorization, Path caFile,
                     boolean followRedirects, int timeoutMs) {
    this.url = url;
    this.method = method;
    this.expect = expect;
    this.contains = contains;
    this.authorization = authorization;
    this.caFile = caFile;
    this.followRedirects = followRedirects;
    this.timeoutMs = timeoutMs;
  }

  private static HttpSensor create(dev.outpost.protocol.SensorConfig config) {
    var settings = new Settings(config, "url", "method", "expectStatus", "contains", "username", "password", "caFile",
        "followRedirects", "timeoutMs");
    var url = url(settings);
    var method = settings.text("method", "GET").toUpperCase(Locale.ROOT);
    if (!METHODS.contains(method)) {
      throw settings.problem("setting method must be one of " + String.join(", ", METHODS) + ", not '" + method + "'");
    }
    StatusRange expect;
    try {
      expect = StatusRange.parse(settings.text("expectStatus", StatusRange.DEFAULT));
    } catch (IllegalArgumentException e) {
      throw settings.problem("setting expectStatus " + e.getMessage());
    }
    var contains = settings.optional("contains").orElse(null);
    if (contains != null && method.equals("HEAD")) {
      throw settings.problem("setting contains needs a body, which a HEAD request does not get");
    }
    String authorization = null;
    var username = settings.optional("username");
    var password = settings.raw("password");
    if (username.isPresent()) {
      var pair = username.get() + ":" + password;
      authorization = "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    } else if (!password.isEmpty()) {
      throw settings.problem("setting password needs a username");
    }
    var caFile = settings.optional("caFile").isPresent() ? settings.path("caFile", null) : null;
    if (caFile != null && !url.getScheme().equals("https")) {
      throw settings.problem("setting caFile is for https:// addresses only");
    }
    return new HttpSensor(url, method, expect, contains, authorization, caFile,
        settings.flag("followRedirects", false), settings.millis("timeoutMs", 10_000));
  }

  private static URI url(Settings settings) {
    var text = settings.required("url");
    try {
      var url = new URI(text);
      var scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && url.getHost() != null) {
        return url;
      }
    } catch (URISyntaxException e) {
      throw settings.problem("setting url is not a valid address: " + e.getMessage());
    }
    throw settings.problem("setting url must be an http:// or https:// address with a host, not '" + text + "'");
  }

  @Override
  public Reading measure(SensorContext context) throws IOException, InterruptedException {
    var client = HttpClients.get(followRedirects, caFile);
    var request = HttpRequest.newBuilder(url)
        .method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofMillis(timeoutMs))
        .header("User-Agent", "outpost-sensor");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    var target = TcpPortSensor.hostAndPort(url.getHost(), url.getPort() > 0 ? url.getPort()
        : url.getScheme().equalsIgnoreCase("https") ? 443 : 80);
    long begin = System.nanoTime();
    HttpResponse<InputStream> response;
    byte[] body;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (var in = response.body()) {
        body = contains == null ? skip(in) : in.readNBytes(MAX_BODY);
      }
    } catch (HttpConnectTimeoutException e) {
      return Reading.error("no connection within " + timeoutMs + " ms: " + target);
    } catch (HttpTimeoutException e) {
      return Reading.error("no answer within " + timeoutMs + " ms: " + url);
    } catch (SSLException e) {
      return Reading.error("TLS handshake with " + target + " failed: " + rootMessage(e));
    } catch (ConnectException e) {
      // the JDK client's ConnectException often carries no message at all: then it was refused
      var reason = rootMessage(e).equals(e.getClass().getSimpleName()) ? "connection refused" : lowerFirst(rootMessage(e));
      return Reading.error(reason + ": " + target);
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("interrupted during request to " + url);
      }
      return Reading.error("request to " + url + " failed: " + rootMessage(e));
    }
    double latency = Quantities.millis(System.nanoTime() - begin);
    int status = response.statusCode();

    var problems = new ArrayList<String>();
    if (!expect.contains(status)) {
      problems.add("status " + status + ", expected " + expect);
    }
    if (contains != null && !new String(body, charset(response)).contains(contains)) {
      problems.add("content does not contain '" + contains + "'" + (body.length >= MAX_BODY ? " in its first MiB" : ""));
    }
    var message = new StringBuilder(problems.isEmpty() ? "status " + status : String.join(", ", problems))
        .append(" in ").append(Quantities.number(latency)).append(" ms");
    var reading = Reading.of("").with("status", status).with("latencyMs", latency, "ms");
    var leaf = leafCertificate(response.sslSession());
    if (leaf.isPresent()) {
      var left = Duration.between(context.clock().instant(), leaf.get().getNotAfter().toInstant());
      long days = Math.floorDiv(left.toSeconds(), 86_400);
      reading = reading.with("certificateDaysLeft", days, "d");
      message.append(", certificate ").append(days < 0 ? "expired " + -days + " d ago" : "expires in " + days + " d");
    }
    reading = reading.withMessage(message.toString());
    return problems.isEmpty() ? reading : reading.withState(State.ERROR);
  }

  private static byte[] skip(InputStream in) throws IOException {
    in.skip(MAX_BODY);
    return new byte[0];
  }

  private static Optional<X509Certificate> leafCertificate(Optional<SSLSession> session) {
    try {
      if (session.isPresent() && session.get().getPeerCertificates().length > 0
          && session.get().getPeerCertificates()[0] instanceof X509Certificate leaf) {
        return Optional.of(leaf);
      }
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      // no certificate to report
    }
    return Optional.empty();
  }

  private static Charset charset(HttpResponse<?> response) {
    var type = response.headers().firstValue("Content-Type").orElse("");
    var m = CHARSET.matcher(type);
    if (m.find()) {
      try {
        return Charset.forName(m.group(1));
      } catch (IllegalArgumentException e) {
        // an unknown charset: read as UTF-8
      }
    }
    return StandardCharsets.UTF_8;
  }

  /** The innermost message, which says what actually went wrong ("unable to find valid certification path…"). */
  static String rootMessage(Throwable e) {
    String message = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  private static String lowerFirst(String text) {
    return text.isEmpty() ? text : text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1);
  }

  /** Accepted statuses: {@code 200}, {@code 2xx}, {@code 200-299}, several separated by commas. */
  record StatusRange(String text, List<Span> spans) {
    static final String DEFAULT = "2xx,3xx";

    static StatusRange parse(String text) {
      var spans = new ArrayList<Span>();
      for (var part : text.split(",")) {
        var item = part.trim().toLowerCase(Locale.ROOT);
        try {
          if (item.matches("[1-5]xx")) {
            int hundred = (item.charAt(0) - '0') * 100;
            spans.add(new Span(hundred, hundred + 99));
          } else if (item.matches("\\d{3}-\\d{3}")) {
            spans.add(new Span(Integer.parseInt(item.substring(0, 3)), Integer.parseInt(item.substring(4))));
          } else if (item.matches("\\d{3}")) {
            spans.add(new Span(Integer.parseInt(item), Integer.parseInt(item)));
          } else {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("must be statuses such as 200, 2xx or 200-299 separated by commas, not '" + text + "'");
        }
      }
      return new StatusRange(text.replace(",", " or ").replaceAll("\\s+", " "), List.copyOf(spans));
    }

    boolean contains(int status) {
      return spans.stream().anyMatch(span -> status >= span.from && status <= span.to);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  record Span(int from, int to) {
  }
}
