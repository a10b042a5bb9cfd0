package dev.outpost.hub.discovery;

import dev.outpost.protocol.Role;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * One plain SSDP search for connectors on one interface, outside any running node (for the doctor):
 * an M-SEARCH for the connector device type to {@value DiscoveryConfig#SSDP_GROUP} out of that
 * interface, the answers collected for a while, and each answer's description fetched and checked
 * the way discovery does (only from the host that answered, at most {@link Description#MAX_CHARS}).
 */
public final class ConnectorSearch {
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);

  private ConnectorSearch() {
  }

  /**
   * Blocking for {@code wait}. The connectors that answered, each once, in the order they answered;
   * answers that do not check out are left out.
   *
   * @throws IOException if the search cannot be sent on the interface
   */
  public static List<Found> run(NetworkInterface iface, int ttl, Duration wait) throws IOException {
    var local = Collections.list(iface.getInetAddresses()).stream().filter(Inet4Address.class::isInstance).findFirst()
        .orElseThrow(() -> new IOException("interface " + iface.getName() + " has no IPv4 address"));
    byte[] search = ("M-SEARCH * HTTP/1.1\r\nHOST: " + DiscoveryConfig.SSDP_GROUP + ":" + DiscoveryConfig.SSDP_PORT
        + "\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: " + DeviceTypes.CONNECTOR + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    var locations = new LinkedHashMap<URI, String>();
    try (var socket = new java.net.MulticastSocket(new InetSocketAddress(local, 0))) {
      socket.setNetworkInterface(iface);
      socket.setTimeToLive(ttl);
      socket.send(new DatagramPacket(search, search.length, InetAddress.getByName(DiscoveryConfig.SSDP_GROUP),
          DiscoveryConfig.SSDP_PORT));
      collect(socket, wait, locations);
    }
    var found = new ArrayList<Found>();
    var http = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
        .proxy(java.net.ProxySelector.of(null)).build();
    for (var location : locations.entrySet()) {
      try {
        var response = http.send(HttpRequest.newBuilder(location.getKey()).timeout(FETCH_TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
        try (var body = response.body()) {
          byte[] bytes = body.readNBytes(Description.MAX_CHARS + 1);
          if (response.statusCode() != 200 || bytes.length > Description.MAX_CHARS) {
            continue;
          }
          var description = Description.parse(new String(bytes, StandardCharsets.UTF_8));
          if (description.role() == Role.CONNECTOR) {
            found.add(new Found(description.uid(), description.name(), description.role(), description.version(),
                location.getValue(), description.lanPort(), location.getKey(), false));
          }
        }
      } catch (IOException | Description.Invalid e) {
        // not a connector we could use: left out, as discovery would
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return found;
  }

  /** Answers ({@code HTTP/1.1 200 OK} with our ST) whose LOCATION is on the host that sent them. */
  private static void collect(DatagramSocket socket, Duration wait, LinkedHashMap<URI, String> locations) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    var buffer = new byte[2048];
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return;
      }
      socket.setSoTimeout((int) left);
      var packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
      } catch (SocketTimeoutException e) {
        return;
      }
      String sender = packet.getAddress().getHostAddress();
      String location = null;
      boolean answer = false;
      for (String line : new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII).split("\r\n")) {
        int colon = line.indexOf(':');
        String name = colon < 0 ? "" : line.substring(0, colon).trim().toUpperCase(Locale.ROOT);
        if (line.startsWith("HTTP/1.1 200")) {
          answer = true;
        } else if (name.equals("LOCATION")) {
          location = line.substring(colon + 1).trim();
        }
      }
      if (!answer || location == null) {
        continue;
      }
      try {
        var uri = URI.create(location);
        if ("http".equals(uri.getScheme()) && sender.equals(uri.getHost())) {
          locations.putIfAbsent(uri, sender);
        }
      } catch (IllegalArgumentException e) {
        // a malformed LOCATION: ignored
      }
    }
  }
}
