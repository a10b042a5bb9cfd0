package dev.outpost.hub.doctor;

import dev.outpost.transport.DialerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * DNS for every host a link dials: each cloud endpoint and the proxy. Through a proxy the proxy
 * resolves the endpoints, so a name this machine cannot resolve is then only a WARN.
 */
public final class DnsCheck {
  static final String NAME = "dns";
  private static final Pattern ADDRESS = Pattern.compile("[0-9.]+|.*:.*");

  private DnsCheck() {
  }

  /** Blocking: one check per distinct host, endpoints in the dialer's order, then the proxy. */
  public static List<Check> run(DialerConfig link) {
    var checks = new ArrayList<Check>();
    boolean viaProxy = link.proxy() != null;
    for (String host : hosts(link)) {
      checks.add(resolve(host, viaProxy));
    }
    if (viaProxy) {
      checks.add(resolve(link.proxy().host(), false));
    }
    return checks;
  }

  /** Blocking: one host (a connector's address, say). */
  public static Check resolve(String host, boolean resolvedByProxy) {
    if (ADDRESS.matcher(host).matches()) {
      return Check.ok(NAME, host + " is an address (nothing to resolve)");
    }
    try {
      var addresses = Arrays.stream(InetAddress.getAllByName(host)).map(InetAddress::getHostAddress)
          .distinct().collect(Collectors.joining(", "));
      return Check.ok(NAME, host + " → " + addresses);
    } catch (UnknownHostException e) {
      return resolvedByProxy
          ? Check.warn(NAME, host + " does not resolve here; the proxy resolves it for the links",
              "fine if the proxy can; otherwise check the DNS servers this machine uses")
          : Check.fail(NAME, host + " does not resolve",
              "check the DNS servers this machine uses (and that they may be asked: UDP/TCP 53) and the spelling in the config");
    }
  }

  /** The distinct hosts of the link's routes, in the order the dialer tries them. */
  static List<String> hosts(DialerConfig link) {
    var hosts = new LinkedHashSet<String>();
    for (String route : link.routes()) {
      hosts.add(route.substring(0, route.lastIndexOf(':')).replace("[", "").replace("]", ""));
    }
    return List.copyOf(hosts);
  }
}
