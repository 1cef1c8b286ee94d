package io.tributary.broker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of its own and the certificates it signs, made with the JDK's
 * {@code keytool} in a directory, as an operator would: PKCS12 stores with one password, EC keys,
 * certificates valid for {@code 127.0.0.1} and {@code localhost}. Not thread-safe.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-store-secret";
    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** The authority (its key in {@code ca.p12}) and a trust store holding its certificate. */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        TestCertificates c = new TestCertificates(dir);
        c.keytool("-genkeypair", "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", PASSWORD, "-alias", "ca",
                "-dname", "CN=Tributary Test CA", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
                "-ext", "bc:c");
        c.keytool("-exportcert", "-keystore", "ca.p12", "-storepass", PASSWORD, "-alias", "ca", "-rfc", "-file", "ca.crt");
        c.keytool("-importcert", "-keystore", "truststore.p12", "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", "ca", "-file", "ca.crt", "-noprompt");
        return c;
    }

    /** The trust store: the authority's certificate. */
    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    /** A key store with the key of {@code name} and its certificate for {@code subject}, signed by the authority. */
    public Path keyStore(String name, String subject) throws IOException, InterruptedException {
        String store = name + ".p12";
        keytool("-genkeypair", "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD, "-alias", name,
                "-dname", subject, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30");
        keytool("-certreq", "-keystore", store, "-storepass", PASSWORD, "-alias", name, "-file", name + ".csr");
        keytool("-gencert", "-keystore", "ca.p12", "-storepass", PASSWORD, "-alias", "ca", "-infile", name + ".csr",
                "-outfile", name + ".crt", "-rfc", "-validity", "30", "-ext", "san=ip:127.0.0.1,dns:localhost");
        keytool("-importcert", "-keystore", store, "-storepass", PASSWORD, "-alias", "ca", "-file", "ca.crt", "-noprompt");
        keytool("-importcert", "-keystore", store, "-storepass", PASSWORD, "-alias", name, "-file", name + ".crt");
        return dir.resolve(store);
    }

    /** A key store with a self-signed certificate for {@code subject}, which no one trusts. */
    public Path selfSigned(String name, String subject) throws IOException, InterruptedException {
        String store = name + ".p12";
        keytool("-genkeypair", "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD, "-alias", name,
                "-dname", subject, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
                "-ext", "san=ip:127.0.0.1,dns:localhost");
        return dir.resolve(store);
    }

    /** PEM files of a key store: the private key (PKCS#8), its certificate chain (leaf first) and the authority. */
    public record PemFiles(Path key, Path chain, Path authority) {
    }

    /**
     * The key of {@code name} and its chain for {@code subject} in PEM: the key unencrypted when
     * {@code keyPassword} is null, else encrypted with it as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc}
     * does (PKCS#8, PBES2: PBKDF2 with HMAC-SHA256, AES-256-CBC), made with the JDK so that no
     * openssl is needed.
     */
    public PemFiles pem(String name, String subject, String keyPassword) throws IOException, InterruptedException {
        Path store = keyStore(name, subject);
        java.security.KeyStore ks;
        java.security.Key key;
        java.security.cert.Certificate[] chain;
        try (java.io.InputStream in = Files.newInputStream(store)) {
            ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            key = ks.getKey(name, PASSWORD.toCharArray());
            chain = ks.getCertificateChain(name);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read " + store, e);
        }
        Path plainKey = dir.resolve(name + ".key.pem");
        Files.writeString(plainKey, pemBlock("PRIVATE KEY", key.getEncoded()));
        StringBuilder chainText = new StringBuilder();
        try {
            for (java.security.cert.Certificate c : chain) chainText.append(pemBlock("CERTIFICATE", c.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException(e);
        }
        Path chainFile = dir.resolve(name + ".chain.pem");
        Files.writeString(chainFile, chainText);
        if (keyPassword == null) return new PemFiles(plainKey, chainFile, dir.resolve("ca.crt"));
        Path encrypted = dir.resolve(name + ".key.enc.pem");
        Files.writeString(encrypted, pemBlock("ENCRYPTED PRIVATE KEY", encrypt(key.getEncoded(), keyPassword)));
        return new PemFiles(encrypted, chainFile, dir.resolve("ca.crt"));
    }

    private static byte[] encrypt(byte[] pkcs8, String password) throws IOException {
        try {
            String algorithm = "PBEWithHmacSHA256AndAES_256";
            java.security.SecureRandom random = new java.security.SecureRandom();
            byte[] salt = new byte[16];
            byte[] iv = new byte[16];
            random.nextBytes(salt);
            random.nextBytes(iv);
            java.security.AlgorithmParameters params = java.security.AlgorithmParameters.getInstance(algorithm);
            params.init(new javax.crypto.spec.PBEParameterSpec(salt, 2048, new javax.crypto.spec.IvParameterSpec(iv)));
            javax.crypto.SecretKey secret = javax.crypto.SecretKeyFactory.getInstance(algorithm)
                    .generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray()));
            javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance(algorithm);
            cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, secret, params);
            // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier { PBES2, params }, OCTET STRING }
            // (JDK 17's EncryptedPrivateKeyInfo cannot encode PBES2 itself; openssl reads this one).
            byte[] pbes2 = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x05, 0x0D};
            return der(0x30, concat(der(0x30, concat(pbes2, params.getEncoded())), der(0x04, cipher.doFinal(pkcs8))));
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot encrypt the key", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** One DER element: tag, length (up to 65535 bytes), value. */
    private static byte[] der(int tag, byte[] value) {
        int n = value.length;
        byte[] length = n < 128 ? new byte[] {(byte) n}
                : n < 256 ? new byte[] {(byte) 0x81, (byte) n} : new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        return concat(concat(new byte[] {(byte) tag}, length), value);
    }

    private static String pemBlock(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        run(command);
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        Path log = dir.resolve("tools.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + Files.readString(log));
        }
    }
}
