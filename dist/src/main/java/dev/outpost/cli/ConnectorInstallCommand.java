package dev.outpost.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.connector.Connector;
import dev.outpost.connector.ConnectorConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code outpost connector install --cloud URL --token TOKEN}: sets this machine up as the site's
 * connector service — config file, data folder of the service user, enrolment, systemd unit.
 */
@Command(name = "install", mixinStandardHelpOptions = true,
    description = "Installs the connector as a systemd service (as root): creates the system user, the data folder "
        + "and /etc/outpost/connector.json, enrols with the token, writes outpost-connector.service and, where systemd "
        + "runs, enables and starts it. Running it again on an enrolled machine does not enrol again.")
final class ConnectorInstallCommand implements Callable<Integer> {
  @Option(names = "--cloud", required = true, paramLabel = "URL",
      description = "The cloud, e.g. https://cloud.example.net (ports 443, 5935, 80 are tried) or https://HOST:PORT (that port only).")
  String cloud;

  @Option(names = "--token", required = true, paramLabel = "TOKEN",
      description = "The one-time connector enrolment token made in the cloud for this site.")
  String token;

  @Option(names = "--name", paramLabel = "NAME", description = "The connector's name in the cloud (default: the host name).")
  String name;

  @Option(names = "--lan-host", paramLabel = "ADDRESS",
      description = "The LAN address the gateway for hubs listens on (default: every address).")
  String lanHost;

  @Option(names = "--exec", paramLabel = "COMMAND",
      description = "The command the unit runs outpost with (default: /usr/bin/outpost, else java -jar THIS_JAR).")
  String exec;

  @Mixin
  ServiceLayout.Options where;

  @Override
  public Integer call() {
    ServiceInstall.requireTokenForm(token);
    ServiceLayout layout = where.layout("connector");
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("dataDir", layout.dataDir().toString());
    if (name != null) {
      config.put("name", name);
    }
    if (lanHost != null) {
      config.put("lanHost", lanHost);
    }
    config.putObject("cloud").putArray("endpoints").add(endpoint(cloud));
    new ServiceInstall(layout, ConnectorConfig.class, exec != null ? exec : Launcher.current(), !where.noStart, System.out)
        .install(config, file -> {
          ConnectorConfig connector = ConfigFiles.read(file, ConnectorConfig.class).withToken(token);
          var machine = Connector.enrol(connector);
          return "enrolled as " + machine.name() + " (" + machine.uid() + ")";
        });
    return 0;
  }

  /** {@code https://host[:port][/]} or {@code host[:port]} as a dialer endpoint. */
  static String endpoint(String cloud) {
    String text = cloud.strip();
    if (!text.contains("://")) {
      return text;
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new UserError("--cloud is not an address: " + e.getMessage());
    }
    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new UserError("--cloud must be an https:// address or HOST[:PORT], not " + cloud);
    }
    if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
      throw new UserError("--cloud takes the cloud's address without a path, not " + cloud);
    }
    String host = uri.getHost();
    return uri.getPort() < 0 ? host : host + ":" + uri.getPort();
  }
}
