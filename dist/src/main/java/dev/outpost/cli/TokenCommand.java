package dev.outpost.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Mixin
    CloudLogin.Options login;

    @Option(names = "--site", required = true, paramLabel = "NAME", description = "The site's name.")
    String site;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "connector, hub or relay.")
    String role;

    @Option(names = "--valid-hours", paramLabel = "HOURS", description = "How long the token is valid (default 24, at most 720).")
    Integer validHours;

    @Override
    public Integer call() throws Exception {
      if (!role.equals("connector") && !role.equals("hub") && !role.equals("relay")) {
        throw new UserError("--role must be connector, hub or relay, not " + role);
      }
      var cloud = login.cloud();
      String password = new String(CloudLogin.password());
      var admin = AdminClient.login(cloud, login.trust(), login.organisation, login.user, password);
      int siteId = admin.site(site);
      System.out.println(admin.enrolmentToken(siteId, role, validHours));
      return 0;
    }
  }
}
