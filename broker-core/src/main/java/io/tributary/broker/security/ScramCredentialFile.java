package io.tributary.broker.security;

import io.tributary.broker.log.AtomicFile;
import org.apache.kafka.clients.admin.ScramMechanism;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SCRAM credentials of a node running alone, kept in {@code <log.dirs>/meta/scram-credentials}
 * so they survive a restart (in a cluster they live in the replicated metadata instead). One line
 * per user and mechanism: {@code base64(user) mechanism iterations base64(salt) base64(storedKey)
 * base64(serverKey)}. A change rewrites the whole file: written to a temporary file, forced to disk,
 * then renamed over the old one, so a crash leaves the old or the new file, never a torn one.
 * Changes are serialized by this object's monitor, held across the file write on purpose (changes
 * are rare admin requests; logins read the store's snapshot and never wait for it).
 */
public final class ScramCredentialFile implements ScramCredentialChanges {
    private final File file;
    private final ScramCredentialStore store;

    /** Reads {@code <dataDir>/meta/scram-credentials} (if any) into {@code store}. */
    public ScramCredentialFile(File dataDir, ScramCredentialStore store) throws IOException {
        this.file = new File(new File(dataDir, "meta"), "scram-credentials");
        this.store = store;
        store.replaceAll(read());
    }

    @Override
    public synchronized void apply(List<ScramCredentialChange> changes) {
        Map<String, Map<ScramMechanism, StoredScramCredential>> next = ScramCredentialStore.applied(store.users(), changes);
        try {
            write(next);
        } catch (IOException e) {
            throw new UncheckedIOException("Writing the SCRAM credentials to " + file + " failed", e);
        }
        store.replaceAll(next);
    }

    private Map<String, Map<ScramMechanism, StoredScramCredential>> read() throws IOException {
        Map<String, Map<ScramMechanism, StoredScramCredential>> users = new TreeMap<>();
        if (!file.exists()) return users;
        Base64.Decoder b64 = Base64.getDecoder();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file.toPath(), StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            try {
                String user = new String(b64.decode(f[0]), StandardCharsets.UTF_8);
                ScramMechanism mechanism = ScramMechanism.fromMechanismName(f[1]);
                if (mechanism == ScramMechanism.UNKNOWN) throw new IllegalArgumentException("unknown mechanism " + f[1]);
                users.computeIfAbsent(user, u -> new EnumMap<>(ScramMechanism.class)).put(mechanism,
                        new StoredScramCredential(b64.decode(f[3]), b64.decode(f[4]), b64.decode(f[5]), Integer.parseInt(f[2])));
            } catch (RuntimeException e) {
                throw new IOException("Unreadable SCRAM credential on line " + lineNumber + " of " + file + ": " + e.getMessage(), e);
            }
        }
        return users;
    }

    private void write(Map<String, Map<ScramMechanism, StoredScramCredential>> users) throws IOException {
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder text = new StringBuilder();
        users.forEach((user, credentials) -> credentials.forEach((mechanism, c) -> text
                .append(b64.encodeToString(user.getBytes(StandardCharsets.UTF_8))).append(' ')
                .append(mechanism.mechanismName()).append(' ').append(c.iterations()).append(' ')
                .append(b64.encodeToString(c.salt())).append(' ').append(b64.encodeToString(c.storedKey())).append(' ')
                .append(b64.encodeToString(c.serverKey())).append('\n')));
        AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
