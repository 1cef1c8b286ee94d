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

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + Files.readString(log));
        }
    }
}
