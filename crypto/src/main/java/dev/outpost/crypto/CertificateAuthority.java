package dev.outpost.crypto;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * The organisation's certificate authority: one EC P-256 key and a self-signed CA certificate
 * valid ten years. It signs the machine certificates that identify hubs, connectors, relays and
 * cloud nodes. The CA key stays on the cloud; machines only ever see its certificate.
 */
public final class CertificateAuthority {
  /** How long a new CA certificate is valid. */
  public static final Duration CA_VALIDITY = Duration.ofDays(3653);
  /** How far back a certificate's validity starts, so that clocks a little behind still accept it. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey privateKey;
  private final X500Name name;
  private final String organisation;

  private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    var o = name.getRDNs(BCStyle.O);
    this.organisation = o.length == 0 ? null : o[0].getFirst().getValue().toString();
  }

  /** A new CA for the organisation: fresh key pair, self-signed certificate "CN=Outpost CA, O=organisation". */
  public static CertificateAuthority create(String organisation) {
    requireText(organisation, "organisation");
    var keys = MachineKeys.generate();
    var subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.CN, "Outpost CA")
        .addRDN(BCStyle.O, organisation)
        .build();
    var now = Instant.now();
    try {
      var utils = new JcaX509ExtensionUtils();
      var builder = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
          Date.from(now.plus(CA_VALIDITY)), subject, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new CryptoException("cannot create the CA certificate for " + organisation, e);
    }
  }

  /** The CA saved by {@link #save}; checks that the key belongs to the certificate and that it is a CA. */
  public static CertificateAuthority load(Path certificatePem, Path privateKeyPem) {
    var certificate = Pem.readCertificates(certificatePem).get(0);
    var key = Pem.readPrivateKey(privateKeyPem);
    if (certificate.getBasicConstraints() < 0) {
      throw new CryptoException(certificatePem + " is not a CA certificate (basicConstraints CA is not set)");
    }
    if (!matches(new KeyPair(certificate.getPublicKey(), key))) {
      throw new CryptoException(privateKeyPem + " does not hold the private key of the CA certificate in "
          + certificatePem);
    }
    return new CertificateAuthority(certificate, key);
  }

  /** Writes the certificate (0644) and the private key (0600), each atomically. */
  public void save(Path certificatePem, Path privateKeyPem) {
    Pem.writePrivateKey(privateKeyPem, privateKey);
    Pem.writeCertificates(certificatePem, certificate);
  }

  /** The CA certificate: what every machine puts in its {@code ca.pem}. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A machine certificate: subject CN=cn, O=organisation, OU=role; SAN dns names and IP addresses
   * (for TLS server use); EKU serverAuth+clientAuth; validity from now-5min for {@code validity},
   * cut to the CA's own end of validity.
   *
   * @param ipAddresses IP literals (v4 or v6); names are not looked up
   */
  public X509Certificate issue(PublicKey subject, String cn, String role, List<String> dnsNames,
      List<String> ipAddresses, Duration validity) {
    Objects.requireNonNull(subject, "subject");
    requireText(cn, "cn");
    requireText(role, "role");
    if (validity == null || validity.isNegative() || validity.isZero()) {
      throw new CryptoException("validity must be positive, was " + validity);
    }
    var names = new ArrayList<GeneralName>();
    for (var dns : dnsNames == null ? List.<String>of() : dnsNames) {
      requireText(dns, "dns name");
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (var ip : ipAddresses == null ? List.<String>of() : ipAddresses) {
      if (ip == null || !IPAddress.isValid(ip)) {
        throw new CryptoException("'" + ip + "' is not an IP address literal");
      }
      names.add(new GeneralName(GeneralName.iPAddress, ip));
    }
    var subjectName = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn);
    if (organisation != null) {
      subjectName.addRDN(BCStyle.O, organisation);
    }
    subjectName.addRDN(BCStyle.OU, role);
    var now = Instant.now();
    var notAfter = now.plus(validity);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant();
    }
    var usage = KeyUsage.digitalSignature;
    if ("RSA".equals(subject.getAlgorithm())) {
      usage |= KeyUsage.keyEncipherment;
    }
    try {
      var utils = new JcaX509ExtensionUtils();
      var builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(BACKDATE)),
          Date.from(notAfter), subjectName.build(), subject)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subject))
          .addExtension(Extension.authorityKeyIdentifier, false,
              utils.createAuthorityKeyIdentifier(certificate));
      if (!names.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      return sign(builder, privateKey);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new CryptoException("cannot issue a certificate for " + cn, e);
    }
  }

  /**
   * A machine certificate for a verified signing request: its public key, its CN, and the role,
   * names and validity the CA chooses (see {@link #issue(PublicKey, String, String, List, List, Duration)}).
   */
  public X509Certificate issue(SigningRequest request, String role, List<String> dnsNames,
      List<String> ipAddresses, Duration validity) {
    Objects.requireNonNull(request, "request");
    return issue(request.publicKey(), request.commonName(), role, dnsNames, ipAddresses, validity);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      var signer = new JcaContentSignerBuilder(signatureAlgorithm(key)).build(key);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new CryptoException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new CryptoException("a CA key of type " + key.getAlgorithm() + " is not supported");
    };
  }

  private static boolean matches(KeyPair pair) {
    try {
      var algorithm = signatureAlgorithm(pair.getPrivate());
      var probe = new byte[32];
      RANDOM.nextBytes(probe);
      var signer = Signature.getInstance(algorithm);
      signer.initSign(pair.getPrivate());
      signer.update(probe);
      var signature = signer.sign();
      var verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pair.getPublic());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** 159 random bits: positive, unique, unpredictable (CA/B Forum asks for at least 64). */
  private static BigInteger serial() {
    return new BigInteger(159, RANDOM).setBit(0);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new CryptoException(what + " must not be empty");
    }
  }

  /** Whether the certificate and key belong together (used when a machine loads its identity). */
  static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
    return matches(new KeyPair(certificate.getPublicKey(), key));
  }
}
