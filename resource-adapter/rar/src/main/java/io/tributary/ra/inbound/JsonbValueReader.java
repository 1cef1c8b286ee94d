package io.tributary.ra.inbound;

import io.tributary.api.TributaryException;
import io.tributary.api.ValueReader;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

import java.nio.charset.StandardCharsets;

/** Reads record values as JSON with the server's JSON-B implementation. Thread-safe. */
public final class JsonbValueReader implements ValueReader {
    private volatile Jsonb jsonb;

    @Override
    public <T> T read(byte[] bytes, Class<T> type) {
        try {
            return jsonb().fromJson(new String(bytes, StandardCharsets.UTF_8), type);
        } catch (RuntimeException e) {
            throw new TributaryException("Cannot read the record value as " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    public Jsonb jsonb() {
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
