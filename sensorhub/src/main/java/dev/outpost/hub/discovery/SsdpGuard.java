package dev.outpost.hub.discovery;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.SocketException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate every SSDP datagram passes before jUPnP sees it. jUPnP parses leniently (it reads the whole
 * receive buffer, lets a receiver thread die on an unexpected exception, and fetches the description of
 * every device on the LAN); here a datagram must be a well-formed, complete, reasonably small SSDP
 * message, and a NOTIFY or search response must be about an Outpost device type, name a UDN that
 * matches, and point its LOCATION to the very host it came from. Everything else is dropped, counted,
 * and logged at most once per reason per {@link RateLimitedLog#DEFAULT_PERIOD_NANOS period}; messages
 * about other vendors' devices are dropped quietly.
 */
final class SsdpGuard {
  static final Logger LOG = LoggerFactory.getLogger("dev.outpost.hub.discovery");

  /** Larger datagrams are dropped (an SSDP message is a few hundred bytes; jUPnP itself reads 640). */
  static final int MAX_DATAGRAM_BYTES = 2048;
  static final int MAX_HEADER_LINES = 32;
  static final int MAX_LINE_CHARS = 512;
  static final int MAX_PATH_CHARS = 256;
  /** Datagrams handed to jUPnP per second on average, and the burst allowed. */
  static final double RATE_PER_SECOND = 500;
  static final double BURST = 1000;
  /** How long a description that failed is not fetched again. */
  static final long BROKEN_BACKOFF_NANOS = 30_000_000_000L;
  static final long UNREACHABLE_BACKOFF_NANOS = 5_000_000_000L;
  private static final int MAX_BROKEN_ENTRIES = 4096;

  enum Verdict { ACCEPT, IGNORED, MALFORMED, TRUNCATED, OVERSIZED, FLOODED, SPOOFED, FOREIGN_SOURCE, SUPPRESSED }

  /** What {@link #inspect} decided; {@code clean} is the header block to hand on, for ACCEPT only. */
  record Result(Verdict verdict, String reason, byte[] clean) {
    static Result drop(Verdict v, String reason) {
      return new Result(v, reason, null);
    }
  }

  private static final Set<String> SINGLE = Set.of("HOST", "NT", "NTS", "USN", "ST", "LOCATION", "CACHE-CONTROL",
      "MAN", "MX");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern MAX_AGE = Pattern.compile("(?i)(?:.*[,;]\\s*)?max-age\\s*=\\s*([0-9]{1,6})\\s*(?:[,;].*)?");
  private static final Pattern MX = Pattern.compile("[0-9]{1,3}");
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final EnumMap<Verdict, LongAdder> counts = new EnumMap<>(Verdict.class);
  private final LongAdder badDescriptions = new LongAdder();
  private final LongAdder searchesDropped = new LongAdder();
  private final RateLimitedLog rlog;
  private final TokenBucket bucket;
  private final ConcurrentHashMap<String, Long> brokenUntil = new ConcurrentHashMap<>();

  SsdpGuard() {
    this(new RateLimitedLog(LOG), new TokenBucket(RATE_PER_SECOND, BURST));
  }

  SsdpGuard(RateLimitedLog rlog, TokenBucket bucket) {
    this.rlog = rlog;
    this.bucket = bucket;
    for (Verdict v : Verdict.values()) {
      counts.put(v, new LongAdder());
    }
  }

  /**
   * Decides about one datagram and does the book-keeping: returns the bytes to hand to jUPnP, or null
   * if it is dropped.
   */
  byte[] admit(byte[] data, int length, InetAddress source, int sourcePort) {
    Result r = inspect(data, length, source, this::isBroken);
    Verdict v = r.verdict();
    if (v == Verdict.ACCEPT && !bucket.tryTake()) {
      v = Verdict.FLOODED;
    }
    counts.get(v).increment();
    switch (v) {
      case ACCEPT -> {
        return r.clean();
      }
      case IGNORED, SUPPRESSED -> {
        if (LOG.isTraceEnabled()) {
          LOG.trace("SSDP: {} datagram from {}: {}", v, source, r.reason());
        }
      }
      case FLOODED -> rlog.warn("FLOODED", "SSDP: more than " + (int) RATE_PER_SECOND
          + " datagrams per second arrive; dropping the excess (last from " + source.getHostAddress() + ")");
      default -> rlog.warn(v.name(), "SSDP: dropped a " + v.name().toLowerCase(Locale.ROOT).replace('_', ' ')
          + " datagram from " + source.getHostAddress() + ":" + sourcePort + ": " + r.reason());
    }
    return null;
  }

  /** Counts a datagram from outside the receiving interface's subnets. */
  /** Hands on one admitted datagram (its checked copy) to jUPnP. */
  interface Delivery {
    void deliver(InetAddress source, DatagramPacket clean) throws Exception;
  }

  /**
   * The receive loop of a guarded socket, until the socket is closed: each datagram from the
   * interface's subnets that passes {@link #admit} is delivered; nothing a peer sends ends the loop.
   *
   * @param what "unicast" or "multicast", for log lines
   */
  void receive(DatagramSocket socket, Subnets subnets, String iface, String what, Delivery delivery) {
    byte[] buf = new byte[MAX_DATAGRAM_BYTES + 1];
    while (true) {
      DatagramPacket datagram = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(datagram);
      } catch (SocketException e) {
        break; // closed by stop()
      } catch (IOException e) {
        unexpected(what + " receive", e);
        continue;
      }
      try {
        InetAddress source = datagram.getAddress();
        if (!subnets.contains(source)) {
          foreignSource(source, iface);
          continue;
        }
        byte[] clean = admit(datagram.getData(), datagram.getLength(), source, datagram.getPort());
        if (clean != null) {
          delivery.deliver(source, new DatagramPacket(clean, clean.length, source, datagram.getPort()));
        }
      } catch (Exception e) {
        unexpected(what + " receiver", e);
      }
    }
    if (!socket.isClosed()) {
      socket.close();
    }
  }

  void foreignSource(InetAddress source, String iface) {
    counts.get(Verdict.FOREIGN_SOURCE).increment();
    rlog.info("FOREIGN_SOURCE", "SSDP: ignored a datagram from " + source.getHostAddress()
        + ", which is outside the subnets of " + iface);
  }

  /** A fetched description was bad: logged (rate-limited) and not fetched again for a while. */
  void badDescription(URI url, String reason) {
    badDescriptions.increment();
    markBroken(url, BROKEN_BACKOFF_NANOS);
    rlog.warn("BAD_DESCRIPTION", "UPnP: ignored the device description at " + url + ": " + reason);
  }

  /** A description could not be fetched at all; announcements pointing there wait a few seconds. */
  void unreachableDescription(URI url) {
    markBroken(url, UNREACHABLE_BACKOFF_NANOS);
    rlog.info("UNREACHABLE_DESCRIPTION", "UPnP: could not fetch the device description at " + url);
  }

  /** An M-SEARCH was not answered because too many answers wait already. */
  void searchDropped(InetAddress source) {
    searchesDropped.increment();
    rlog.warn("SEARCH_FLOOD", "SSDP: too many M-SEARCH requests to answer; ignoring some (last from "
        + source.getHostAddress() + ")");
  }

  /** Something unexpected while handling a datagram: logged, never fatal to the receiver. */
  void unexpected(String where, Exception e) {
    rlog.warn("UNEXPECTED_" + where, "SSDP: unexpected " + e + " in " + where + "; the datagram was dropped");
  }

  private void markBroken(URI url, long backoff) {
    if (brokenUntil.size() >= MAX_BROKEN_ENTRIES) {
      long now = System.nanoTime();
      brokenUntil.values().removeIf(until -> until - now < 0);
      if (brokenUntil.size() >= MAX_BROKEN_ENTRIES) {
        brokenUntil.clear();
      }
    }
    brokenUntil.put(locationKey(url), System.nanoTime() + backoff);
  }

  boolean isBroken(String locationKey) {
    Long until = brokenUntil.get(locationKey);
    if (until == null) {
      return false;
    }
    if (until - System.nanoTime() < 0) {
      brokenUntil.remove(locationKey, until);
      return false;
    }
    return true;
  }

  static String locationKey(URI url) {
    return url.getHost() + ":" + url.getPort() + url.getRawPath();
  }

  DiscoveryStats stats() {
    return new DiscoveryStats(n(Verdict.ACCEPT), n(Verdict.IGNORED), n(Verdict.MALFORMED), n(Verdict.TRUNCATED),
        n(Verdict.OVERSIZED), n(Verdict.FLOODED), n(Verdict.SPOOFED), n(Verdict.FOREIGN_SOURCE),
        n(Verdict.SUPPRESSED), badDescriptions.sum(), searchesDropped.sum());
  }

  private long n(Verdict v) {
    return counts.get(v).sum();
  }

  // ---------------------------------------------------------------------------------------------------

  /** Pure check of one datagram, without counting, logging or rate limits. */
  static Result inspect(byte[] data, int length, InetAddress source,
      java.util.function.Predicate<String> brokenLocation) {
    if (length <= 0) {
      return Result.drop(Verdict.MALFORMED, "empty");
    }
    if (length > MAX_DATAGRAM_BYTES) {
      return Result.drop(Verdict.OVERSIZED, "more than " + MAX_DATAGRAM_BYTES + " bytes");
    }
    for (int i = 0; i < length; i++) {
      int b = data[i] & 0xff;
      if (b < 0x20 && b != '\r' && b != '\n' && b != '\t' || b == 0x7f) {
        return Result.drop(Verdict.MALFORMED, "control byte 0x" + Integer.toHexString(b) + " at " + i);
      }
    }
    String text = new String(data, 0, length, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    int headEnd;
    if (end >= 0) {
      headEnd = end + 4;
    } else {
      end = text.indexOf("\n\n");
      if (end < 0) {
        return Result.drop(Verdict.TRUNCATED, "no empty line after the headers");
      }
      headEnd = end + 2;
    }
    String[] lines = text.substring(0, end).split("\r?\n", -1);
    if (lines.length > MAX_HEADER_LINES + 1) {
      return Result.drop(Verdict.MALFORMED, "more than " + MAX_HEADER_LINES + " header lines");
    }
    for (String line : lines) {
      if (line.length() > MAX_LINE_CHARS) {
        return Result.drop(Verdict.MALFORMED, "a line longer than " + MAX_LINE_CHARS + " characters");
      }
      if (line.indexOf('\r') >= 0) {
        return Result.drop(Verdict.MALFORMED, "a bare CR inside a line");
      }
    }
    Kind kind = startLine(lines[0]);
    if (kind == null) {
      return Result.drop(Verdict.MALFORMED, "not an SSDP start line: '" + printable(lines[0]) + "'");
    }
    var headers = new HashMap<String, String>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith(" ") || line.startsWith("\t")) {
        return Result.drop(Verdict.MALFORMED, "folded header line");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
        return Result.drop(Verdict.MALFORMED, "bad header line '" + printable(line) + "'");
      }
      String name = line.substring(0, colon).toUpperCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      if (headers.put(name, value) != null && SINGLE.contains(name)) {
        return Result.drop(Verdict.MALFORMED, "header " + name + " given twice");
      }
    }
    byte[] clean = java.util.Arrays.copyOf(data, headEnd);
    return switch (kind) {
      case SEARCH -> search(headers, clean);
      case NOTIFY -> notify(headers, source, clean, brokenLocation);
      case RESPONSE -> response(headers, source, clean, brokenLocation);
    };
  }

  private enum Kind { SEARCH, NOTIFY, RESPONSE }

  private static Kind startLine(String line) {
    String[] parts = line.split(" ", -1);
    if (parts.length == 3 && parts[1].equals("*") && (parts[2].equals("HTTP/1.1") || parts[2].equals("HTTP/1.0"))) {
      if (parts[0].equals("M-SEARCH")) {
        return Kind.SEARCH;
      }
      if (parts[0].equals("NOTIFY")) {
        return Kind.NOTIFY;
      }
      return null;
    }
    if (parts.length >= 2 && (parts[0].equals("HTTP/1.1") || parts[0].equals("HTTP/1.0")) && parts[1].equals("200")) {
      return Kind.RESPONSE;
    }
    return null;
  }

  private static Result search(Map<String, String> h, byte[] clean) {
    if (!"\"ssdp:discover\"".equals(h.get("MAN"))) {
      return Result.drop(Verdict.MALFORMED, "M-SEARCH without MAN: \"ssdp:discover\"");
    }
    String st = h.get("ST");
    if (st == null || st.isEmpty()) {
      return Result.drop(Verdict.MALFORMED, "M-SEARCH without ST");
    }
    String mx = h.get("MX");
    if (mx != null && !MX.matcher(mx).matches()) {
      return Result.drop(Verdict.MALFORMED, "M-SEARCH with MX '" + printable(mx) + "'");
    }
    return new Result(Verdict.ACCEPT, "M-SEARCH", clean);
  }

  private static Result notify(Map<String, String> h, InetAddress source, byte[] clean,
      java.util.function.Predicate<String> brokenLocation) {
    String nt = h.get("NT");
    String nts = h.get("NTS");
    String usn = h.get("USN");
    if (nt == null || nts == null || usn == null) {
      return Result.drop(Verdict.MALFORMED, "NOTIFY without NT, NTS or USN");
    }
    boolean byebye = nts.equals("ssdp:byebye");
    if (!byebye && !nts.equals("ssdp:alive") && !nts.equals("ssdp:update")) {
      return Result.drop(Verdict.MALFORMED, "NOTIFY with NTS '" + printable(nts) + "'");
    }
    if (!nt.startsWith(DeviceTypes.PREFIX)) {
      return new Result(Verdict.IGNORED, "not an Outpost device: " + printable(nt), null);
    }
    Result ours = ours(nt, usn);
    if (ours != null) {
      return ours;
    }
    if (byebye) {
      return new Result(Verdict.ACCEPT, "byebye", clean);
    }
    return located(h, uuidOf(usn, nt), source, clean, brokenLocation);
  }

  private static Result response(Map<String, String> h, InetAddress source, byte[] clean,
      java.util.function.Predicate<String> brokenLocation) {
    String st = h.get("ST");
    String usn = h.get("USN");
    if (st == null || usn == null) {
      return Result.drop(Verdict.MALFORMED, "search response without ST or USN");
    }
    if (!st.startsWith(DeviceTypes.PREFIX)) {
      return new Result(Verdict.IGNORED, "not an Outpost device: " + printable(st), null);
    }
    Result ours = ours(st, usn);
    return ours != null ? ours : located(h, uuidOf(usn, st), source, clean, brokenLocation);
  }

  /** Checks the device type and the USN of a message about an Outpost device; null if fine. */
  private static Result ours(String type, String usn) {
    if (DeviceTypes.roleOf(type).isEmpty()) {
      return Result.drop(Verdict.MALFORMED, "unknown Outpost device type '" + printable(type) + "'");
    }
    String suffix = "::" + type;
    if (!usn.startsWith("uuid:") || !usn.endsWith(suffix)
        || !DeviceTypes.isUuid(usn.substring(5, usn.length() - suffix.length()))) {
      return Result.drop(Verdict.MALFORMED, "USN '" + printable(usn) + "' is not uuid:UUID::" + type);
    }
    return null;
  }

  private static String uuidOf(String usn, String type) {
    return usn.substring(5, usn.length() - type.length() - 2);
  }

  private static Result located(Map<String, String> h, String uuid, InetAddress source, byte[] clean,
      java.util.function.Predicate<String> brokenLocation) {
    String cc = h.get("CACHE-CONTROL");
    if (cc == null) {
      return Result.drop(Verdict.MALFORMED, "no CACHE-CONTROL");
    }
    var m = MAX_AGE.matcher(cc);
    if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 86_400) {
      return Result.drop(Verdict.MALFORMED, "CACHE-CONTROL '" + printable(cc) + "' has no max-age of 1 to 86400");
    }
    String location = h.get("LOCATION");
    if (location == null) {
      return Result.drop(Verdict.MALFORMED, "no LOCATION");
    }
    URI uri;
    try {
      uri = new URI(location);
    } catch (URISyntaxException e) {
      return Result.drop(Verdict.MALFORMED, "LOCATION '" + printable(location) + "' is not a URL");
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null || !IPV4.matcher(uri.getHost()).matches()
        || uri.getPort() < 1 || uri.getPort() > 65_535 || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || uri.getRawPath() == null || !uri.getRawPath().startsWith("/")
        || uri.getRawPath().length() > MAX_PATH_CHARS) {
      return Result.drop(Verdict.MALFORMED, "LOCATION '" + printable(location)
          + "' is not http://IPv4:PORT/path");
    }
    if (!uri.getRawPath().equalsIgnoreCase("/dev/" + uuid + "/desc")) {
      return Result.drop(Verdict.MALFORMED, "LOCATION " + printable(location) + " is not the description of "
          + uuid);
    }
    if (!(source instanceof Inet4Address) || !uri.getHost().equals(source.getHostAddress())) {
      return Result.drop(Verdict.SPOOFED, "LOCATION " + printable(location) + " points to another host");
    }
    if (brokenLocation.test(locationKey(uri))) {
      return Result.drop(Verdict.SUPPRESSED, "description at " + location + " failed recently");
    }
    return new Result(Verdict.ACCEPT, "located", clean);
  }

  private static String printable(String s) {
    var b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 80; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 80 ? b + "..." : b.toString();
  }
}
