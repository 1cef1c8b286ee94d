package io.tributary.broker.security;

import org.apache.kafka.clients.admin.ScramMechanism;

/**
 * One change to the SCRAM credentials: {@code user}'s credential for {@code mechanism} set to
 * {@code credential}, or deleted when it is null. Immutable.
 */
public record ScramCredentialChange(String user, ScramMechanism mechanism, StoredScramCredential credential) {
    public boolean deletes() {
        return credential == null;
    }
}
