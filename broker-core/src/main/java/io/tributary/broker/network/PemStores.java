package io.tributary.broker.network;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Key and trust stores given in PEM, as Kafka reads them for {@code ssl.keystore.type=PEM} and
 * {@code ssl.truststore.type=PEM} (KIP-651): a key store is one private key in PKCS#8 — plain
 * ({@code BEGIN PRIVATE KEY}) or encrypted with {@code ssl.key.password} ({@code BEGIN ENCRYPTED
 * PRIVATE KEY}, PBES1 or PBES2 as the JDK supports them) — and its certificate chain, leaf first; a
 * trust store is one or more certificates. Each becomes an in-memory PKCS12 {@link KeyStore}.
 * Errors say what is missing or wrong and never include key material or passwords. Stateless.
 */
public final class PemStores {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "XDH", "DSA", "RSASSA-PSS");
    static final String KEY_ALIAS = "kafka";

    private PemStores() {
    }

    /** Why PEM text could not be turned into a store; the message names what is wrong, never a secret. */
    public static final class InvalidPemException extends Exception {
        InvalidPemException(String message) {
            super(message);
        }
    }

    /**
     * A key store of the private key and certificate chain in {@code keyPem} and {@code chainPem}
     * (the same text for a PEM file holding both). The key entry is protected with
     * {@code keyPassword} (an empty password when null).
     */
    public static KeyStore keyStore(String keyPem, String chainPem, String keyPassword) throws InvalidPemException {
        List<Block> keys = blocks(keyPem).stream().filter(Block::isKey).toList();
        if (keys.isEmpty()) throw new InvalidPemException("no PRIVATE KEY or ENCRYPTED PRIVATE KEY block");
        if (keys.size() > 1) throw new InvalidPemException(keys.size() + " private keys where one is expected");
        List<Certificate> chain = certificates(chainPem);
        if (chain.isEmpty()) throw new InvalidPemException("no CERTIFICATE block: the key needs its certificate chain");
        PrivateKey key = privateKey(keys.get(0), keyPassword);
        char[] password = keyPassword == null ? new char[0] : keyPassword.toCharArray();
        try {
            KeyStore store = emptyStore();
            store.setKeyEntry(KEY_ALIAS, key, password, chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException e) {
            throw new InvalidPemException("the key does not match its certificate chain: " + e.getMessage());
        }
    }

    /** A trust store of every certificate in {@code certificatesPem}. */
    public static KeyStore trustStore(String certificatesPem) throws InvalidPemException {
        List<Certificate> certificates = certificates(certificatesPem);
        if (certificates.isEmpty()) throw new InvalidPemException("no CERTIFICATE block");
        try {
            KeyStore store = emptyStore();
            for (int i = 0; i < certificates.size(); i++) store.setCertificateEntry("kafka" + i, certificates.get(i));
            return store;
        } catch (GeneralSecurityException e) {
            throw new InvalidPemException("the certificates cannot be stored: " + e.getMessage());
        }
    }

    private record Block(String label, byte[] der) {
        boolean isKey() {
            return label.equals("PRIVATE KEY") || label.equals("ENCRYPTED PRIVATE KEY");
        }
    }

    private static List<Block> blocks(String pem) throws InvalidPemException {
        List<Block> blocks = new ArrayList<>();
        // Kafka accepts a value written on one line, as a properties file may hold it: line breaks become spaces.
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""))));
            } catch (IllegalArgumentException e) {
                throw new InvalidPemException("the " + m.group(1) + " block is not valid base64");
            }
        }
        for (Block b : blocks) {
            if (b.label.endsWith("PRIVATE KEY") && !b.isKey()) {
                throw new InvalidPemException("a " + b.label + " block: only PKCS#8 keys (PRIVATE KEY or ENCRYPTED PRIVATE KEY)"
                        + " are supported, convert it with `openssl pkcs8 -topk8`");
            }
        }
        return blocks;
    }

    private static List<Certificate> certificates(String pem) throws InvalidPemException {
        List<Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(pem)) {
                if (b.label.equals("CERTIFICATE")) certificates.add(factory.generateCertificate(new ByteArrayInputStream(b.der)));
            }
        } catch (GeneralSecurityException e) {
            throw new InvalidPemException("a CERTIFICATE block cannot be read: " + e.getMessage());
        }
        return certificates;
    }

    private static PrivateKey privateKey(Block block, String password) throws InvalidPemException {
        PKCS8EncodedKeySpec spec;
        if (block.label.equals("ENCRYPTED PRIVATE KEY")) {
            if (password == null) throw new InvalidPemException("the private key is encrypted and ssl.key.password is not set");
            spec = decrypt(block.der, password);
        } else {
            if (password != null) {
                throw new InvalidPemException("ssl.key.password is set but the private key is not encrypted");
            }
            spec = new PKCS8EncodedKeySpec(block.der);
        }
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException notThisAlgorithm) {
                // try the next one
            }
        }
        throw new InvalidPemException("the private key is of none of the algorithms " + KEY_ALGORITHMS);
    }

    private static PKCS8EncodedKeySpec decrypt(byte[] der, String password) throws InvalidPemException {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2 names its real scheme (e.g. PBEWithHmacSHA256AndAES_256) in its parameters.
            String algorithm = info.getAlgParameters() != null && info.getAlgName().equals("PBES2")
                    ? info.getAlgParameters().toString() : info.getAlgName();
            SecretKey key = SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password.toCharArray()));
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, key, info.getAlgParameters());
            return info.getKeySpec(cipher);
        } catch (IOException e) {
            throw new InvalidPemException("the ENCRYPTED PRIVATE KEY block cannot be read: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new InvalidPemException("the private key cannot be decrypted with ssl.key.password (wrong password,"
                    + " or an encryption the JDK does not support): " + e.getClass().getSimpleName());
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return store;
    }
}
