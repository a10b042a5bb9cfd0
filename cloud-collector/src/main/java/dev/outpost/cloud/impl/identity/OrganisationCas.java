package dev.outpost.cloud.impl.identity;

import dev.outpost.crypto.CertificateAuthority;
import dev.outpost.crypto.CryptoException;
import dev.outpost.crypto.MachineCertificates;
import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.PeerIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authority of each organisation: its certificate and private key live in
 * {@code DATA/orgs/ID/ca.pem} and {@code ca.key} (0600) on the cloud only. Also the TLS trust of
 * the cloud's port for client certificates: a client chain is accepted at the handshake when it
 * validates against one of these CAs; which role may do what is checked per request.
 */
public final class OrganisationCas implements X509TrustManager {
  private final Path folder;
  private final Map<Long, CertificateAuthority> byOrganisation = new ConcurrentHashMap<>();

  public OrganisationCas(Path dataDir) {
    this.folder = dataDir.resolve("orgs");
  }

  /** The organisation's CA, loaded from its folder or created there on first use. */
  public CertificateAuthority ca(long organisationId, String organisationName) {
    return byOrganisation.computeIfAbsent(organisationId, id -> {
      Path dir = folder.resolve(Long.toString(id));
      Path cert = dir.resolve("ca.pem");
      Path key = dir.resolve("ca.key");
      if (Files.exists(cert) && Files.exists(key)) {
        return CertificateAuthority.load(cert, key);
      }
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new CryptoException("cannot create " + dir + ": " + e.getMessage(), e);
      }
      var ca = CertificateAuthority.create(organisationName);
      ca.save(cert, key);
      return ca;
    });
  }

  /** The pin of the organisation's CA, as enrolment tokens carry it. */
  public String pin(long organisationId) {
    return MachineKeys.pin(byOrganisation.get(organisationId).certificate().getPublicKey());
  }

  /** A peer's chain checked against the CA of the organisation it names; null if none validates it. */
  public Verified verify(X509Certificate[] chain, String expectedRole) {
    CryptoException last = null;
    for (var entry : byOrganisation.entrySet()) {
      var ca = entry.getValue().certificate();
      if (!ca.getSubjectX500Principal().equals(chain[0].getIssuerX500Principal())) {
        continue;
      }
      try {
        return new Verified(entry.getKey(), MachineCertificates.verify(Arrays.asList(chain), ca, expectedRole, Instant.now()));
      } catch (CryptoException e) {
        last = e;
      }
    }
    throw last != null ? last : new CryptoException("certificate " + chain[0].getSubjectX500Principal()
        + " is signed by no organisation CA of this cloud");
  }

  /** A verified peer and its organisation. */
  public record Verified(long organisationId, PeerIdentity peer) {
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no client certificate");
    }
    try {
      verify(chain, null);
    } catch (CryptoException e) {
      throw new CertificateException(e.getMessage(), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the cloud trusts organisation CAs for clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return byOrganisation.values().stream().map(CertificateAuthority::certificate).toArray(X509Certificate[]::new);
  }
}
