package io.tributary.broker.http;

import io.tributary.broker.security.ScramCredentialStore;
import io.tributary.broker.security.ScramCredentials;
import io.tributary.broker.security.StoredScramCredential;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;

/**
 * Who sent an HTTP request, as the Kafka listeners would name them: a verified TLS client
 * certificate is {@code User:} its subject mapped by {@code ssl.principal.mapping.rules}; HTTP Basic
 * credentials are checked against the SCRAM users (SCRAM-SHA-512, else SCRAM-SHA-256: the password
 * must give the stored key) and are {@code User:name}; no credentials are {@code User:ANONYMOUS},
 * refused (401) when {@link #required} — the broker authenticates its Kafka clients (a SASL
 * listener, or TLS requiring client certificates). Wrong credentials are always a 401. Thread-safe.
 */
final class HttpAuthenticator {
    static final String CHALLENGE = "Basic realm=\"tributary\", charset=\"UTF-8\"";

    private final ScramCredentialStore scram;
    private final boolean required;

    HttpAuthenticator(ScramCredentialStore scram, boolean required) {
        this.scram = scram;
        this.required = required;
    }

    boolean required() {
        return required;
    }

    /**
     * @param authorization the {@code Authorization} header, or null
     * @param certificate   the client's verified certificate, or null
     * @param mapper        the HTTPS listener's {@code ssl.principal.mapping.rules} (null on plain HTTP)
     * @throws RestException 401 for missing (when required) or wrong credentials
     */
    KafkaPrincipal authenticate(String authorization, X509Certificate certificate, SslPrincipalMapper mapper) {
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return basic(authorization.substring(6).trim());
        }
        if (certificate != null && mapper != null) {
            String subject = certificate.getSubjectX500Principal().getName();
            try {
                return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, mapper.getName(subject));
            } catch (java.io.IOException | RuntimeException noRule) {
                throw unauthorized("The certificate subject " + subject + " matches no ssl.principal.mapping.rules rule");
            }
        }
        if (authorization != null) throw unauthorized("Only HTTP Basic authentication is supported");
        if (required) throw unauthorized("Authentication is required (HTTP Basic with a SCRAM user, or a client certificate)");
        return KafkaPrincipal.ANONYMOUS;
    }

    private KafkaPrincipal basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw unauthorized("The Basic credentials are not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) throw unauthorized("The Basic credentials are not user:password");
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        for (ScramMechanism mechanism : new ScramMechanism[] {ScramMechanism.SCRAM_SHA_512, ScramMechanism.SCRAM_SHA_256}) {
            Optional<StoredScramCredential> stored = scram.lookup(user, mechanism);
            if (stored.isPresent()) {
                if (ScramCredentials.passwordMatches(mechanism, stored.get(), password)) {
                    return new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user);
                }
                break;
            }
        }
        throw unauthorized("Authentication failed: invalid credentials");
    }

    static RestException unauthorized(String message) {
        return new RestException(401, message);
    }
}
