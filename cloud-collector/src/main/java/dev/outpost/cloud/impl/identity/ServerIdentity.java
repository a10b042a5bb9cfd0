package dev.outpost.cloud.impl.identity;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.PinnedCa;
import dev.outpost.crypto.TlsFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud's own TLS certificate. An operator may put one in the data folder ({@code identity.key},
 * {@code identity.pem}); without one, the cloud issues its own from the first organisation's CA,
 * for the names in {@link CloudConfig#tlsNames()}, so that machines of that organisation can check
 * it against the CA pin of their enrolment token and then against their {@code ca.pem}.
 */
public final class ServerIdentity {
  public static final Duration VALIDITY = Duration.ofDays(825);
  private static final Logger LOG = LoggerFactory.getLogger(ServerIdentity.class);

  private ServerIdentity() {
  }

  /** Blocking: writes the cloud's TLS files unless they exist. */
  public static void ensure(CloudConfig config, TlsFiles tls, Registry registry, OrganisationCas cas) {
    if (tls.hasIdentity()) {
      return;
    }
    long first = registry.firstOrganisation();
    var ca = cas.ca(first, registry.organisationName(first));
    var dns = new ArrayList<String>();
    var ips = new ArrayList<String>();
    for (String name : config.tlsNames()) {
      if (name.matches("[0-9.]+") || name.contains(":")) {
        ips.add(name);
      } else {
        dns.add(name);
      }
    }
    var keys = MachineKeys.generate();
    var certificate = ca.issue(keys.getPublic(), "cloud", PinnedCa.CLOUD_ROLE, List.copyOf(dns), List.copyOf(ips), VALIDITY);
    TlsFiles.write(config.dataDir(), keys, List.of(certificate, ca.certificate()), ca.certificate());
    LOG.info("issued the cloud's TLS certificate for {} from the CA of organisation {}", config.tlsNames(),
        registry.organisationName(first));
  }
}
