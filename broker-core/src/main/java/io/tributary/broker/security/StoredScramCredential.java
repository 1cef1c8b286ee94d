package io.tributary.broker.security;

import java.util.Arrays;
import java.util.Base64;

/**
 * What the broker keeps of one user's SCRAM password for one mechanism (RFC 5802): the salt, the
 * iteration count, and the stored and server keys derived from the salted password. Neither the
 * password nor the salted password is kept; the stored key verifies a client's proof, the server
 * key signs the server's final message. Immutable (the arrays are copied in and out).
 */
public record StoredScramCredential(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    public StoredScramCredential {
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredScramCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(salt) + iterations;
    }

    /** Names the salt and iterations only: the keys are secrets. */
    @Override
    public String toString() {
        return "StoredScramCredential[salt=" + Base64.getEncoder().encodeToString(salt) + ", iterations=" + iterations + "]";
    }
}
