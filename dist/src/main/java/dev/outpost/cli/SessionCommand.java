package dev.outpost.cli;

import dev.outpost.transport.ProxyConfig;
import dev.outpost.transport.session.OperatorTunnel;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outpost session open}: the operator's tunnel to a device on a site. */
@Command(name = "session", mixinStandardHelpOptions = true,
    description = "Remote sessions to devices on customer sites, end-to-end encrypted through a relay.",
    subcommands = {SessionCommand.Open.class})
final class SessionCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "open", mixinStandardHelpOptions = true,
      description = {
          "Opens a session to TARGET behind the connector DEVICE and tunnels every connection to the local port to it.",
          "Prints one line when ready and one per stream; Ctrl-C ends the session.",
          "The password comes from the environment variable OUTPOST_PASSWORD or a prompt, never an argument."})
  static final class Open implements Callable<Integer> {
    @Mixin
    CloudLogin.Options cloudLogin;

    @Option(names = "--device", required = true, paramLabel = "NAME_OR_UID", description = "The connector, by name or uid.")
    String device;

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
        description = "Where the connector connects each stream (its site policy decides), e.g. 127.0.0.1:22.")
    String target;

    @Option(names = "--listen", required = true, paramLabel = "[ADDR:]PORT",
        description = "The local port (on 127.0.0.1 unless an address is given).")
    String listen;

    @Option(names = "--relay", paramLabel = "NAME", description = "Use this relay instead of the one the access server chooses.")
    String relay;

    @Option(names = "--proxy", paramLabel = "HOST:PORT", description = "An HTTP proxy towards the relays.")
    String proxy;

    @Override
    public Integer call() throws Exception {
      var cloud = cloudLogin.cloud();
      var address = listenAddress(listen);
      var login = new OperatorTunnel.Login(cloud, cloudLogin.trust(), cloudLogin.organisation, cloudLogin.user,
          CloudLogin.password());
      ProxyConfig proxyConfig = null;
      if (proxy != null) {
        int colon = proxy.lastIndexOf(':');
        if (colon <= 0) {
          throw new UserError("--proxy must be host:port");
        }
        proxyConfig = ProxyConfig.of(proxy.substring(0, colon), Integer.parseInt(proxy.substring(colon + 1)));
      }
      try (var tunnel = OperatorTunnel.open(login, device, target, relay, proxyConfig, address, System.out)) {
        System.out.println("ready: " + address.getHostString() + ":" + tunnel.port() + " → " + target + " on " + device
            + " via relay " + tunnel.relay());
        Runtime.getRuntime().addShutdownHook(new Thread(tunnel::close, "session-close"));
        tunnel.awaitEnd();
      } catch (dev.outpost.transport.session.SessionException e) {
        throw new UserError("session refused: " + e.getMessage());
      }
      return 0;
    }

    static InetSocketAddress listenAddress(String text) {
      int colon = text.lastIndexOf(':');
      String host = colon < 0 ? "127.0.0.1" : text.substring(0, colon).replace("[", "").replace("]", "");
      try {
        int port = Integer.parseInt(colon < 0 ? text : text.substring(colon + 1));
        if (port < 0 || port > 65_535) {
          throw new NumberFormatException();
        }
        return new InetSocketAddress(host, port);
      } catch (NumberFormatException e) {
        throw new UserError("--listen must be [ADDR:]PORT with a port from 0 to 65535, not " + text);
      }
    }
  }
}
