package dev.outpost.hub.doctor;

import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.discovery.ConnectorSearch;
import dev.outpost.hub.discovery.DiscoveryConfig;
import dev.outpost.hub.discovery.DiscoveryException;
import dev.outpost.hub.discovery.Found;
import dev.outpost.protocol.Role;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * A hub's link to its connector: a TLS handshake with the connector's LAN gateway with the hub's
 * own files (trust from {@code ca.pem} only, its certificate presented), and the connector's
 * certificate checked the way the hub's link checks it: this organisation's CA and role
 * {@code connector} (hubs know their connector by certificate, not by address).
 */
public final class ConnectorLanCheck {
  static final String NAME = "connector";
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private ConnectorLanCheck() {
  }

  /**
   * Blocking for about {@code wait} per interface. A hub without a configured address: searches for
   * connectors by SSDP on its discovery interfaces ({@link ConnectorSearch}), picks the one it
   * remembers ({@code rememberedUid}; the first that answered when it remembers none) and checks it
   * with {@link #run}.
   */
  public static Check discovered(DiscoveryConfig discovery, String rememberedUid, TlsFiles tls, Instant now, Duration wait) {
    List<NetworkInterface> interfaces;
    try {
      interfaces = discovery.resolveInterfaces();
    } catch (DiscoveryException e) {
      return Check.warn(NAME, "not searched: " + e.getMessage(), "see the multicast check");
    }
    var found = new ArrayList<Found>();
    for (var iface : interfaces) {
      try {
        found.addAll(ConnectorSearch.run(iface, discovery.ttl(), wait));
      } catch (IOException e) {
        return Check.warn(NAME, "not searched on " + iface.getName() + ": " + e.getMessage(), "see the multicast check");
      }
    }
    String where = interfaces.stream().map(NetworkInterface::getName).collect(Collectors.joining(", "));
    if (found.isEmpty()) {
      return Check.fail(NAME, "no connector answered an SSDP search on " + where + " within " + wait.toMillis() + " ms",
          "is the connector running on this subnet? where multicast does not cross, set connector: HOST:PORT");
    }
    var mine = rememberedUid == null ? found.get(0)
        : found.stream().filter(f -> f.uid().equals(rememberedUid)).findFirst().orElse(null);
    if (mine == null) {
      return Check.fail(NAME, "its connector " + rememberedUid + " did not answer on " + where + "; others did: "
          + found.stream().map(f -> f.uid() + " at " + f.hostPort()).collect(Collectors.joining(", ")),
          "start its connector, or move the hub to another one (POST /api/v1/machines/{uid}/move)");
    }
    var check = run(mine.address(), mine.port(), tls, now);
    return new Check(NAME, check.status(), "found by UPnP, " + check.detail(), check.hint());
  }

  /** Blocking. */
  public static Check run(String host, int port, TlsFiles tls, Instant now) {
    String where = host + ":" + port + ": ";
    if (!java.nio.file.Files.exists(tls.ca())) {
      return Check.warn(NAME, where + "not checked: no " + TlsFiles.CA_FILE + " yet", "enrol the hub first (see the identity check)");
    }
    try (var raw = new Socket()) {
      raw.connect(new InetSocketAddress(host, port), (int) TIMEOUT.toMillis());
      raw.setSoTimeout((int) TIMEOUT.toMillis());
      try (var socket = (SSLSocket) tls.sslContext().getSocketFactory().createSocket(raw, host, port, false)) {
        socket.startHandshake();
        var chain = Arrays.stream(socket.getSession().getPeerCertificates()).map(X509Certificate.class::cast).toList();
        var ca = Pem.readCertificates(tls.ca()).get(0);
        var peer = MachineCertificates.verify(chain, ca, Role.CONNECTOR.wireName(), now);
        return Check.ok(NAME, where + socket.getSession().getProtocol() + ", connector " + peer.uid()
            + " of this organisation, certificate valid " + MachineCertificates.daysUntilExpiry(chain.get(0), now)
            + " more days");
      }
    } catch (ConnectException e) {
      return Check.fail(NAME, where + "connection refused", "is the connector running? allow inbound TCP " + port
          + " on the connector's host firewall; check the hub's connector setting");
    } catch (SocketTimeoutException e) {
      return Check.fail(NAME, where + "no answer within " + TIMEOUT.toSeconds() + " s",
          "a firewall between hub and connector drops TCP " + port + ": allow it (see docs/firewall/internal.md)");
    } catch (SSLException e) {
      return Check.fail(NAME, where + "TLS handshake failed: " + e.getMessage(),
          "this is not a connector of this hub's organisation, or something in between intercepts TLS");
    } catch (CryptoException e) {
      return Check.fail(NAME, where + "its certificate is refused: " + e.getMessage(),
          "point the hub at its site's connector");
    } catch (IOException e) {
      return Check.fail(NAME, where + e.getMessage(), "check the hub's connector setting and the network");
    }
  }
}
