package dev.outpost.crypto;

import dev.outpost.crypto.impl.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM text and files: certificates as {@code CERTIFICATE} blocks, private keys as unencrypted
 * PKCS#8 {@code PRIVATE KEY} blocks (the form OpenSSL, Vert.x and the JDK all read). Files are
 * replaced atomically; private key files are created with mode 0600. A missing, truncated or
 * malformed file gives a {@link CryptoException} that names the file and what is wrong.
 */
public final class Pem {
  private static final Base64.Encoder BASE64 =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private Pem() {}

  /** The certificates as consecutive PEM blocks, in the given order (a chain: leaf first). */
  public static String encode(X509Certificate... chain) {
    var out = new StringBuilder();
    for (var certificate : chain) {
      try {
        block(out, "CERTIFICATE", certificate.getEncoded());
      } catch (CertificateEncodingException e) {
        throw new CryptoException("cannot encode certificate " + certificate.getSubjectX500Principal(), e);
      }
    }
    return out.toString();
  }

  /** The private key as one unencrypted PKCS#8 {@code PRIVATE KEY} block. */
  public static String encode(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat()) || key.getEncoded() == null) {
      throw new CryptoException("a " + key.getAlgorithm() + " key in format " + key.getFormat()
          + " cannot be written as PKCS#8");
    }
    return block(new StringBuilder(), "PRIVATE KEY", key.getEncoded()).toString();
  }

  /** Every certificate in the file, in file order; at least one. */
  public static List<X509Certificate> readCertificates(Path file) {
    return decodeCertificates(read(file), file.toString());
  }

  /**
   * Every certificate in PEM text received from elsewhere (an enrolment answer), in order; at
   * least one.
   *
   * @param source what the text is, for error messages
   */
  public static List<X509Certificate> decodeCertificates(String pem, String source) {
    var converter = new JcaX509CertificateConverter();
    var certificates = new ArrayList<X509Certificate>();
    var file = source;
    try (var parser = new PEMParser(new StringReader(pem == null ? "" : pem))) {
      for (Object block; (block = parser.readObject()) != null; ) {
        if (!(block instanceof X509CertificateHolder holder)) {
          throw new CryptoException(file + ": block " + (certificates.size() + 1) + " is "
              + describe(block) + ", expected a CERTIFICATE");
        }
        certificates.add(converter.getCertificate(holder));
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      if (e instanceof CryptoException crypto) {
        throw crypto;
      }
      throw new CryptoException(file + " is not a valid PEM certificate (truncated or corrupted?): "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    }
    if (certificates.isEmpty()) {
      throw new CryptoException(file + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)");
    }
    return List.copyOf(certificates);
  }

  /** The one private key in the file: PKCS#8 {@code PRIVATE KEY} or OpenSSL's {@code EC PRIVATE KEY}. */
  public static PrivateKey readPrivateKey(Path file) {
    Object block;
    try (var parser = new PEMParser(new StringReader(read(file)))) {
      block = parser.readObject();
      if (block == null) {
        throw new CryptoException(file + " holds no PEM private key (no -----BEGIN PRIVATE KEY----- block)");
      }
      if (parser.readObject() != null) {
        throw new CryptoException(file + " holds more than one PEM block; expected exactly one private key");
      }
    } catch (IOException | RuntimeException e) {
      throw invalid(file, "private key", e);
    }
    PrivateKeyInfo info;
    if (block instanceof PrivateKeyInfo pkcs8) {
      info = pkcs8;
    } else if (block instanceof PEMKeyPair pair) {
      info = pair.getPrivateKeyInfo();
    } else if (block instanceof PKCS8EncryptedPrivateKeyInfo) {
      throw new CryptoException(file + " holds an encrypted private key; Outpost reads only unencrypted"
          + " PKCS#8 keys protected by file permissions");
    } else {
      throw new CryptoException(file + " holds " + describe(block) + ", expected a PRIVATE KEY");
    }
    try {
      return KeyFactory.getInstance(algorithmOf(file, info))
          .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new CryptoException(file + ": the private key does not decode: " + e.getMessage(), e);
    }
  }

  /** Replaces the file atomically with the certificates (mode 0644: certificates are public). */
  public static void writeCertificates(Path file, X509Certificate... chain) {
    if (chain.length == 0) {
      throw new CryptoException("no certificate to write to " + file);
    }
    AtomicFiles.write(file, encode(chain).getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC);
  }

  /**
   * Replaces the file atomically with the key; the file is created with mode 0600, so no other
   * user can read it at any moment.
   */
  public static void writePrivateKey(Path file, PrivateKey key) {
    AtomicFiles.write(file, encode(key).getBytes(StandardCharsets.US_ASCII), AtomicFiles.OWNER_ONLY);
  }

  /** One PEM block of the given type (e.g. {@code CERTIFICATE REQUEST}) around the DER. */
  static String encodeBlock(String type, byte[] der) {
    return block(new StringBuilder(), type, der).toString();
  }

  private static StringBuilder block(StringBuilder out, String type, byte[] der) {
    return out.append("-----BEGIN ").append(type).append("-----\n")
        .append(BASE64.encodeToString(der)).append('\n')
        .append("-----END ").append(type).append("-----\n");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new CryptoException(file + " does not exist");
    } catch (IOException e) {
      throw new CryptoException("cannot read " + file + ": " + e, e);
    }
  }

  private static CryptoException invalid(Path file, String what, Exception e) {
    if (e instanceof CryptoException crypto) {
      return crypto;
    }
    var reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new CryptoException(file + " is not a valid PEM " + what + " file (truncated or corrupted?): "
        + reason, e);
  }

  private static String describe(Object block) {
    if (block instanceof PrivateKeyInfo || block instanceof PEMKeyPair) {
      return "a private key";
    }
    if (block instanceof X509CertificateHolder) {
      return "a certificate";
    }
    return "a " + block.getClass().getSimpleName();
  }

  private static String algorithmOf(Path file, PrivateKeyInfo info) {
    var oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) {
      return "EC";
    }
    if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
      return "RSA";
    }
    if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) {
      return "Ed25519";
    }
    if (EdECObjectIdentifiers.id_X25519.equals(oid)) {
      return "X25519";
    }
    throw new CryptoException(file + ": private key algorithm " + oid + " is not supported (EC, RSA, Ed25519, X25519 are)");
  }
}
