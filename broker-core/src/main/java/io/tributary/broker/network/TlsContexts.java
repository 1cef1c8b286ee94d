package io.tributary.broker.network;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.apache.kafka.common.config.ConfigException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * Builds the server side of a TLS listener from its {@link TlsSettings} with the JDK's TLS: the
 * key store (the broker's certificate and key) and, for client certificates, the trust store, each
 * from a PKCS12 or JKS file or from PEM ({@link PemStores}). Every failure names the setting at
 * fault and never its password or key.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** @throws ConfigException naming the setting: a store that cannot be read or opened, a key that cannot be recovered */
    public static SslContext server(TlsSettings s) {
        try {
            KeyStore keyStore = keyStore(s);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            String keyPassword = s.keyPassword() != null ? s.keyPassword() : s.keystorePassword();
            if (TlsSettings.isPem(s.keystoreType()) && keyPassword == null) keyPassword = "";
            try {
                keys.init(keyStore, keyPassword == null ? null : keyPassword.toCharArray());
            } catch (GeneralSecurityException e) {
                throw new ConfigException("ssl.key.password", "[hidden]", "the key in " + s.keystoreLocation()
                        + " cannot be recovered: " + e.getMessage());
            }
            SslContextBuilder builder = SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK);
            if (s.truststoreLocation() != null || s.truststoreCertificates() != null) {
                KeyStore trustStore = trustStore(s);
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trustStore);
                builder.trustManager(trust);
            } else if (s.clientAuth() != TlsSettings.ClientAuth.NONE) {
                throw new ConfigException("ssl.truststore.location", null, "ssl.client.auth=" + s.clientAuth().name().toLowerCase()
                        + " needs a trust store to check client certificates against");
            }
            builder.clientAuth(switch (s.clientAuth()) {
                case NONE -> ClientAuth.NONE;
                case REQUESTED -> ClientAuth.OPTIONAL;
                case REQUIRED -> ClientAuth.REQUIRE;
            });
            if (!s.enabledProtocols().isEmpty()) builder.protocols(s.enabledProtocols());
            if (!s.cipherSuites().isEmpty()) builder.ciphers(s.cipherSuites());
            return builder.build();
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("ssl.enabled.protocols", String.join(",", s.enabledProtocols()),
                    "the TLS context cannot be built: " + e.getMessage());
        }
    }

    private static KeyStore keyStore(TlsSettings s) {
        if (!TlsSettings.isPem(s.keystoreType())) {
            return load("ssl.keystore", s.keystoreType(), s.keystoreLocation(), s.keystorePassword());
        }
        String setting = s.keystoreKey() != null ? "ssl.keystore.key" : "ssl.keystore.location";
        try {
            if (s.keystoreKey() != null) return PemStores.keyStore(s.keystoreKey(), s.keystoreCertificateChain(), s.keyPassword());
            String pem = readPem(setting, s.keystoreLocation());
            return PemStores.keyStore(pem, pem, s.keyPassword());
        } catch (PemStores.InvalidPemException e) {
            throw new ConfigException(setting, s.keystoreKey() != null ? "[hidden]" : s.keystoreLocation(),
                    "not a usable PEM key store: " + e.getMessage());
        }
    }

    private static KeyStore trustStore(TlsSettings s) {
        if (!TlsSettings.isPem(s.truststoreType())) {
            return load("ssl.truststore", s.truststoreType(), s.truststoreLocation(), s.truststorePassword());
        }
        String setting = s.truststoreCertificates() != null ? "ssl.truststore.certificates" : "ssl.truststore.location";
        try {
            return PemStores.trustStore(s.truststoreCertificates() != null ? s.truststoreCertificates()
                    : readPem(setting, s.truststoreLocation()));
        } catch (PemStores.InvalidPemException e) {
            throw new ConfigException(setting, s.truststoreCertificates() != null ? "(a PEM value)" : s.truststoreLocation(),
                    "not a usable PEM trust store: " + e.getMessage());
        }
    }

    /** The text of a PEM file named by {@code setting}. */
    public static String readPem(String setting, String location) {
        try {
            return Files.readString(Path.of(location), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(setting, location, "cannot be read: " + e);
        }
    }

    private static KeyStore load(String setting, String type, String location, String password) {
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        } catch (IOException e) {
            String why = e.getCause() instanceof java.security.UnrecoverableKeyException || e.getMessage() != null
                    && e.getMessage().toLowerCase().contains("password") ? "wrong " + setting + ".password" : e.toString();
            throw new ConfigException(setting + ".location", location, "cannot be read as a " + type + " store: " + why);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(setting + ".type", type, "cannot open " + location + ": " + e.getMessage());
        }
    }
}
