package io.tributary.ra.json;

import io.tributary.api.TributaryException;
import io.tributary.api.ValueReader;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

import java.nio.charset.StandardCharsets;

/**
 * Record values as JSON (UTF-8) with the server's JSON-B implementation: read for the records
 * delivered to beans, written for {@code sendObject}. The {@link Jsonb} instance is created on
 * first use, from the calling thread's context class loader, and shared. Thread-safe.
 */
public final class JsonbCodec implements ValueReader {
    private volatile Jsonb jsonb;

    @Override
    public <T> T read(byte[] bytes, Class<T> type) {
        try {
            return jsonb().fromJson(new String(bytes, StandardCharsets.UTF_8), type);
        } catch (RuntimeException e) {
            throw new TributaryException("Cannot read the record value as " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    /** {@code value} as JSON in UTF-8; JSON-B's own exception when it cannot be written. */
    public byte[] write(Object value) {
        return jsonb().toJson(value).getBytes(StandardCharsets.UTF_8);
    }

    private Jsonb jsonb() {
        Jsonb j = jsonb;
        if (j == null) {
            synchronized (this) {
                if (jsonb == null) jsonb = JsonbBuilder.create();
                j = jsonb;
            }
        }
        return j;
    }
}
