package io.tributary.broker.security;

import org.apache.kafka.clients.admin.ScramMechanism;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The SCRAM functions of RFC 5802 for one mechanism: {@code Hi} (PBKDF2 with the mechanism's
 * HMAC), {@code HMAC}, {@code H}, and the keys derived from a salted password. Stateless; each call
 * makes its own {@link Mac}, so it is thread-safe.
 */
final class ScramMath {
    /** Kafka's bounds on the iteration count of SCRAM-SHA-256 and SCRAM-SHA-512 credentials. */
    static final int MIN_ITERATIONS = 4096;
    static final int MAX_ITERATIONS = 16384;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String hmacAlgorithm;
    private final String hashAlgorithm;

    ScramMath(ScramMechanism mechanism) {
        switch (mechanism) {
            case SCRAM_SHA_256 -> {
                hmacAlgorithm = "HmacSHA256";
                hashAlgorithm = "SHA-256";
            }
            case SCRAM_SHA_512 -> {
                hmacAlgorithm = "HmacSHA512";
                hashAlgorithm = "SHA-512";
            }
            default -> throw new IllegalArgumentException("Not a SCRAM mechanism: " + mechanism);
        }
    }

    byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(hmacAlgorithm);
            mac.init(new SecretKeySpec(key, hmacAlgorithm));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hmacAlgorithm + " is not available", e);
        }
    }

    byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance(hashAlgorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hashAlgorithm + " is not available", e);
        }
    }

    /** {@code Hi(password, salt, iterations)}: the salted password. */
    byte[] saltedPassword(String password, byte[] salt, int iterations) {
        byte[] key = password.getBytes(StandardCharsets.UTF_8);
        byte[] u = hmac(key, concat(salt, new byte[] {0, 0, 0, 1}));
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = hmac(key, u);
            for (int j = 0; j < result.length; j++) result[j] ^= u[j];
        }
        return result;
    }

    byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    }

    byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    }

    /** The stored credential for {@code saltedPassword} (what AlterUserScramCredentials carries). */
    StoredScramCredential credential(byte[] salt, byte[] saltedPassword, int iterations) {
        return new StoredScramCredential(salt, hash(clientKey(saltedPassword)), serverKey(saltedPassword), iterations);
    }

    /** The stored credential for a password, with a fresh random salt. */
    StoredScramCredential credential(String password, int iterations) {
        byte[] salt = randomBytes(32);
        return credential(salt, saltedPassword(password, salt, iterations), iterations);
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
