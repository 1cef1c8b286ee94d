package io.tributary.broker.quota;

import io.tributary.broker.log.AtomicFile;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The client quotas of a node running alone, kept in {@code <log.dirs>/meta/client-quotas} so they
 * survive a restart (in a cluster they live in the replicated metadata instead). One line per
 * entity and quota: {@code user client-id key value}, where an entity component is {@code -}
 * (absent), {@code *} (the default) or {@code =} and the base64 of the name. A change rewrites the
 * whole file: written to a temporary file, forced to disk, then renamed over the old one, so a
 * crash leaves the old or the new file. Changes are serialized by this object's monitor, held
 * across the file write on purpose (changes are rare admin requests; requests read the store's
 * snapshot and never wait for it).
 */
public final class ClientQuotaFile implements ClientQuotaChanges {
    private final File file;
    private final ClientQuotaStore store;

    /** Reads {@code <dataDir>/meta/client-quotas} (if any) into {@code store}. */
    public ClientQuotaFile(File dataDir, ClientQuotaStore store) throws IOException {
        this.file = new File(new File(dataDir, "meta"), "client-quotas");
        this.store = store;
        store.replaceAll(read());
    }

    @Override
    public synchronized void apply(List<ClientQuotaChange> changes) {
        ClientQuotaConfigs next = store.current().applied(changes);
        try {
            write(next);
        } catch (IOException e) {
            throw new UncheckedIOException("Writing the client quotas to " + file + " failed", e);
        }
        store.replaceAll(next);
    }

    private ClientQuotaConfigs read() throws IOException {
        if (!file.exists()) return ClientQuotaConfigs.EMPTY;
        List<ClientQuotaChange> entries = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file.toPath(), StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            try {
                QuotaType type = QuotaType.forKey(f[2]);
                if (type == null) throw new IllegalArgumentException("unknown quota key " + f[2]);
                entries.add(new ClientQuotaChange(new QuotaEntity(name(f[0]), name(f[1])), type, Double.parseDouble(f[3])));
            } catch (RuntimeException e) {
                throw new IOException("Unreadable client quota on line " + lineNumber + " of " + file + ": " + e.getMessage(), e);
            }
        }
        return ClientQuotaConfigs.EMPTY.applied(entries);
    }

    private static QuotaEntity.Name name(String field) {
        if (field.equals("-")) return null;
        if (field.equals("*")) return QuotaEntity.Name.DEFAULT;
        if (!field.startsWith("=")) throw new IllegalArgumentException("bad entity name " + field);
        return new QuotaEntity.Name(new String(Base64.getDecoder().decode(field.substring(1)), StandardCharsets.UTF_8));
    }

    private static String field(QuotaEntity.Name name) {
        if (name == null) return "-";
        if (name.isDefault()) return "*";
        return "=" + Base64.getEncoder().encodeToString(name.value().getBytes(StandardCharsets.UTF_8));
    }

    private void write(ClientQuotaConfigs quotas) throws IOException {
        StringBuilder text = new StringBuilder();
        quotas.entities().forEach((entity, values) -> values.forEach((type, value) -> text
                .append(field(entity.user())).append(' ').append(field(entity.clientId())).append(' ')
                .append(type.key()).append(' ').append(value).append('\n')));
        AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
