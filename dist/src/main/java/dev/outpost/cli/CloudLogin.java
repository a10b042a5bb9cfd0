package dev.outpost.cli;

import dev.outpost.crypto.TlsFiles;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine.Option;

/** What the operator commands share: the cloud's trust, and the password from the environment or a prompt. */
final class CloudLogin {
  private CloudLogin() {
  }

  /** The options of every command that logs in to the cloud as a user (a picocli mixin). */
  static final class Options {
    @Option(names = "--cloud", required = true, paramLabel = "URL", description = "The cloud, e.g. https://cloud.example.net")
    URI cloud;

    @Option(names = "--organisation", required = true, paramLabel = "ORG")
    String organisation;

    @Option(names = "--user", required = true, paramLabel = "USER")
    String user;

    @Option(names = "--ca", paramLabel = "FILE",
        description = "PEM file of the CA that signed the cloud's certificate (default: the system's trusted CAs).")
    Path ca;

    /** The cloud's address, refused unless it is https. */
    URI cloud() {
      if (!"https".equals(cloud.getScheme())) {
        throw new UserError("--cloud must be an https:// address");
      }
      return cloud;
    }

    X509TrustManager trust() throws Exception {
      return CloudLogin.trust(ca);
    }
  }

  /** Trust in the CA of this PEM file, or the system's trusted CAs. */
  static X509TrustManager trust(Path ca) throws Exception {
    if (ca != null) {
      return new TlsFiles(ca, ca, ca).trustManager();
    }
    var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    for (var manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new IllegalStateException("no system trust store");
  }

  /** From OUTPOST_PASSWORD, else a prompt; never an argument (it would show in the process list). */
  static char[] password() {
    String fromEnvironment = System.getenv("OUTPOST_PASSWORD");
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
      return fromEnvironment.toCharArray();
    }
    var console = System.console();
    if (console == null) {
      throw new UserError("no password: set OUTPOST_PASSWORD or run in a terminal");
    }
    char[] typed = console.readPassword("Password: ");
    if (typed == null || typed.length == 0) {
      throw new UserError("no password given");
    }
    return typed;
  }
}
