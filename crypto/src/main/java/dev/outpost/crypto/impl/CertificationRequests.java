package dev.outpost.crypto.impl;

import dev.outpost.crypto.CryptoException;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certification requests (RFC 2986) on Bouncy Castle: made with subject {@code CN=name}
 * and signed with the requester's key; read back only after their signature verified against the
 * public key they carry (proof that the requester holds the private key).
 */
public final class CertificationRequests {
  /** X.520's upper bound for a common name. */
  public static final int MAX_COMMON_NAME = 64;

  private CertificationRequests() {}

  /** What a verified request says: the requested common name and the requester's public key. */
  public record Verified(String commonName, PublicKey publicKey) {}

  /** The DER of a request for {@code CN=commonName}, signed with the key pair's private key. */
  public static byte[] create(KeyPair keys, String commonName) {
    var subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    try {
      var signer = new JcaContentSignerBuilder(signatureAlgorithm(keys)).build(keys.getPrivate());
      var request = new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic()).build(signer);
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic()))) {
        throw new CryptoException("cannot make a certificate signing request for " + commonName
            + ": the private key does not belong to the public key of the key pair");
      }
      return request.getEncoded();
    } catch (CryptoException e) {
      throw e;
    } catch (OperatorCreationException | PKCSException | IOException | RuntimeException e) {
      throw new CryptoException("cannot sign a certificate signing request for " + commonName + " with a "
          + keys.getPrivate().getAlgorithm() + " key: " + reason(e), e);
    }
  }

  /** The one request in the PEM text, after its signature verified. */
  public static Verified parse(String pem) {
    PKCS10CertificationRequest request;
    try (var parser = new PEMParser(new StringReader(pem))) {
      var block = parser.readObject();
      if (block == null) {
        throw new CryptoException("not a certificate signing request: no -----BEGIN CERTIFICATE REQUEST----- block");
      }
      if (!(block instanceof PKCS10CertificationRequest csr)) {
        throw new CryptoException("not a certificate signing request: the PEM block is " + describe(block));
      }
      if (parser.readObject() != null) {
        throw new CryptoException("more than one PEM block; expected exactly one certificate signing request");
      }
      request = csr;
    } catch (CryptoException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CryptoException("not a valid PEM certificate signing request (truncated or corrupted?): "
          + reason(e), e);
    }
    PublicKey publicKey;
    try {
      publicKey = new JcaPKCS10CertificationRequest(request).getPublicKey();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new CryptoException("certificate signing request for " + request.getSubject()
          + " carries a public key this JVM cannot read: " + reason(e), e);
    }
    try {
      var verifier = new JcaContentVerifierProviderBuilder().build(publicKey);
      if (!request.isSignatureValid(verifier)) {
        throw new CryptoException("certificate signing request for " + request.getSubject()
            + " refused: its signature does not match its public key (altered, or signed with another key)");
      }
    } catch (OperatorCreationException | PKCSException | RuntimeException e) {
      if (e instanceof CryptoException crypto) {
        throw crypto;
      }
      throw new CryptoException("certificate signing request for " + request.getSubject()
          + " refused: its signature cannot be checked: " + reason(e), e);
    }
    return new Verified(commonName(request.getSubject()), publicKey);
  }

  private static String commonName(X500Name subject) {
    var rdns = subject.getRDNs(BCStyle.CN);
    if (rdns.length != 1 || rdns[0].isMultiValued()) {
      throw new CryptoException("certificate signing request subject '" + subject + "' must hold exactly one CN, has "
          + rdns.length);
    }
    if (!(rdns[0].getFirst().getValue() instanceof ASN1String text)) {
      throw new CryptoException("certificate signing request CN in '" + subject + "' is not a string");
    }
    var cn = text.getString();
    if (cn.isBlank() || cn.length() > MAX_COMMON_NAME) {
      throw new CryptoException("certificate signing request CN '" + cn + "' must be 1 to " + MAX_COMMON_NAME
          + " characters");
    }
    return cn;
  }

  private static String signatureAlgorithm(KeyPair keys) {
    return switch (keys.getPrivate().getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new CryptoException("a " + keys.getPrivate().getAlgorithm()
          + " key cannot sign a certificate signing request (EC, RSA and Ed25519 can)");
    };
  }

  private static String describe(Object block) {
    if (block instanceof X509CertificateHolder) {
      return "a CERTIFICATE";
    }
    if (block instanceof PrivateKeyInfo || block instanceof PEMKeyPair) {
      return "a PRIVATE KEY";
    }
    return "a " + block.getClass().getSimpleName();
  }

  private static String reason(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
