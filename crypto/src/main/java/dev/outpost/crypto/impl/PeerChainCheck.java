package dev.outpost.crypto.impl;

import dev.outpost.crypto.CryptoException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Checks a peer's certificate chain against exactly one trusted CA: first the questions a person
 * asks (which CA signed it, is it in its validity period), each with its own message, then the
 * JDK's full PKIX validation with that CA as the only anchor and no revocation checking, then what
 * PKIX leaves out (a machine certificate, not a CA; an EKU for TLS).
 */
public final class PeerChainCheck {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private PeerChainCheck() {}

  /** The names in a validated machine certificate's subject; organisation and role may be null. */
  public record Subject(String commonName, String organisation, String role) {}

  /**
   * The leaf of {@code chain} (leaf first; copies of the trusted CA at its end are ignored), once
   * everything checked out at {@code now}.
   */
  public static X509Certificate validate(List<X509Certificate> chain, X509Certificate trustedCa, Instant now) {
    if (chain == null || chain.isEmpty()) {
      throw new CryptoException("peer certificate refused: the peer presented no certificate");
    }
    if (trustedCa == null || now == null) {
      throw new CryptoException("cannot check a peer certificate without a trusted CA and a time");
    }
    if (trustedCa.getBasicConstraints() < 0) {
      throw new CryptoException("cannot check peer certificates against " + name(trustedCa)
          + ": it is not a CA certificate");
    }
    var path = new ArrayList<X509Certificate>(chain);
    if (path.contains(null)) {
      throw new CryptoException("peer certificate refused: the chain holds a null entry");
    }
    while (!path.isEmpty() && path.get(path.size() - 1).equals(trustedCa)) {
      path.remove(path.size() - 1);
    }
    if (path.isEmpty()) {
      throw new CryptoException("peer certificate refused: the chain holds only the CA certificate "
          + name(trustedCa) + ", no machine certificate");
    }
    var leaf = path.get(0);
    requireIssuedByTrustedCa(leaf, path.get(path.size() - 1), trustedCa);
    for (var certificate : path) {
      requireValidAt(leaf, certificate, now);
    }
    pkix(leaf, path, trustedCa, now);
    if (leaf.getBasicConstraints() >= 0) {
      throw new CryptoException("peer certificate " + name(leaf) + " refused: it is a CA certificate,"
          + " not a machine certificate");
    }
    requireTlsUsage(leaf);
    return leaf;
  }

  /** CN (exactly one), O and OU (at most one each) of a certificate's subject. */
  public static Subject subject(X509Certificate certificate) {
    var name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    var cn = single(name, BCStyle.CN, "CN");
    if (cn == null || cn.isBlank()) {
      throw new CryptoException("peer certificate " + name + " refused: it has no CN (machine uid)");
    }
    return new Subject(cn, single(name, BCStyle.O, "O"), single(name, BCStyle.OU, "OU"));
  }

  private static void requireIssuedByTrustedCa(X509Certificate leaf, X509Certificate top, X509Certificate ca) {
    var what = "peer certificate " + name(leaf) + " refused: signed by another CA";
    if (!top.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw new CryptoException(what + " (issuer " + issuer(top) + ", trusted CA " + name(ca) + ")");
    }
    try {
      top.verify(ca.getPublicKey());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new CryptoException(what + " (issuer " + issuer(top) + " has the trusted CA's name but not its key)", e);
    }
  }

  private static void requireValidAt(X509Certificate leaf, X509Certificate certificate, Instant now) {
    var which = certificate == leaf ? "peer certificate " + name(leaf)
        : "certificate " + name(certificate) + " in the chain of peer certificate " + name(leaf);
    var notBefore = certificate.getNotBefore().toInstant();
    var notAfter = certificate.getNotAfter().toInstant();
    if (now.isBefore(notBefore)) {
      throw new CryptoException(which + " refused: not yet valid (valid from " + notBefore + ", checked at " + now + ")");
    }
    if (now.isAfter(notAfter)) {
      throw new CryptoException(which + " refused: expired on " + notAfter + " (checked at " + now + ")");
    }
  }

  private static void pkix(X509Certificate leaf, List<X509Certificate> path, X509Certificate ca, Instant now) {
    try {
      var parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(now));
      var certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
      CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
    } catch (CertPathValidatorException e) {
      var reason = e.getReason();
      var failed = e.getIndex() >= 0 && e.getIndex() < path.size() ? name(path.get(e.getIndex())) : name(leaf);
      String why;
      if (reason == BasicReason.INVALID_SIGNATURE) {
        why = "signed by another CA (the signature of " + failed + " does not verify)";
      } else if (reason == BasicReason.EXPIRED) {
        why = "expired (" + failed + ")";
      } else if (reason == BasicReason.NOT_YET_VALID) {
        why = "not yet valid (" + failed + ")";
      } else {
        why = "the chain does not validate against the trusted CA " + name(ca) + ": " + e.getMessage();
      }
      throw new CryptoException("peer certificate " + name(leaf) + " refused: " + why, e);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot validate peer certificate " + name(leaf) + ": " + e.getMessage(), e);
    }
  }

  private static void requireTlsUsage(X509Certificate leaf) {
    List<String> usages;
    try {
      usages = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new CryptoException("peer certificate " + name(leaf) + " refused: its extended key usage does not parse", e);
    }
    if (usages == null || !(usages.contains(CLIENT_AUTH) || usages.contains(SERVER_AUTH))) {
      throw new CryptoException("peer certificate " + name(leaf) + " refused: no extended key usage"
          + " clientAuth or serverAuth" + (usages == null ? "" : " (has " + usages + ")"));
    }
  }

  private static String single(X500Name name, ASN1ObjectIdentifier type, String label) {
    var rdns = name.getRDNs(type);
    if (rdns.length == 0) {
      return null;
    }
    if (rdns.length > 1 || rdns[0].isMultiValued()) {
      throw new CryptoException("peer certificate " + name + " refused: more than one " + label);
    }
    if (!(rdns[0].getFirst().getValue() instanceof ASN1String text)) {
      throw new CryptoException("peer certificate " + name + " refused: its " + label + " is not a string");
    }
    return text.getString();
  }

  private static String name(X509Certificate certificate) {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).toString();
  }

  private static String issuer(X509Certificate certificate) {
    return X500Name.getInstance(certificate.getIssuerX500Principal().getEncoded()).toString();
  }
}
