package dev.outpost.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost token create}: an enrolment token for a connector or for a site's hubs. */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Enrolment tokens, made through the cloud's REST API.",
    subcommands = {TokenCommand.Create.class})
final class TokenCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {
          "Prints a new enrolment token of a site (made if it does not exist yet).",
          "A connector token works once; a hub token serves every hub of the site until it expires.",
          "The password comes from the environment variable OUTPOST_PASSWORD or a prompt, never an argument."})
  static final class Create implements Callable<Integer> {
    @Option(names = "--cloud", required = true, paramLabel = "URL", description = "The cloud, e.g. https://cloud.example.net")
    URI cloud;

    @Option(names = "--organisation", required = true, paramLabel = "ORG")
    String organisation;

    @Option(names = "--user", required = true, paramLabel = "USER")
    String user;

    @Option(names = "--site", required = true, paramLabel = "NAME", description = "The site's name.")
    String site;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "connector, hub or relay.")
    String role;

    @Option(names = "--valid-hours", paramLabel = "HOURS", description = "How long the token is valid (default 24, at most 720).")
    Integer validHours;

    @Option(names = "--ca", paramLabel = "FILE",
        description = "PEM file of the CA that signed the cloud's certificate (default: the system's trusted CAs).")
    Path ca;

    @Override
    public Integer call() throws Exception {
      if (!role.equals("connector") && !role.equals("hub") && !role.equals("relay")) {
        throw new UserError("--role must be connector, hub or relay, not " + role);
      }
      if (!"https".equals(cloud.getScheme())) {
        throw new UserError("--cloud must be an https:// address");
      }
      String password = new String(CloudLogin.password());
      var admin = AdminClient.login(cloud, CloudLogin.trust(ca), organisation, user, password);
      int siteId = admin.site(site);
      System.out.println(admin.enrolmentToken(siteId, role, validHours));
      return 0;
    }
  }
}
