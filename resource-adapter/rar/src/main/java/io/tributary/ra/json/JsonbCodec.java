package io.tributary.ra.json;

import io.tributary.api.TributaryException;
import io.tributary.api.ValueReader;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Record values as JSON (UTF-8) with the server's JSON-B implementation: read for the records
 * delivered to beans, written for {@code sendObject}. Configured by a {@code jsonbConfig} property
 * of JSON-B's own property names ({@code jsonb.property-naming-strategy=LOWER_CASE_WITH_UNDERSCORES;
 * jsonb.null-values=true;jsonb.date-format=yyyy-MM-dd}; values {@code true}/{@code false} are
 * booleans, {@code jsonb.locale} a language tag, anything else text, so implementation properties
 * such as Yasson's work too). The {@link Jsonb} instance is created on first use, from the calling
 * thread's context class loader, and shared. Thread-safe.
 */
public final class JsonbCodec implements ValueReader {
    private final Map<String, String> config;
    private volatile Jsonb jsonb;

    /** JSON-B's defaults. */
    public JsonbCodec() {
        this(Map.of());
    }

    /** JSON-B configured with {@code config}: JSON-B property name to value, as in a {@code jsonbConfig} property. */
    public JsonbCodec(Map<String, String> config) {
        this.config = Map.copyOf(config);
    }

    @Override
    public <T> T read(byte[] bytes, Class<T> type) {
        return type.cast(read(bytes, (Type) type));
    }

    @Override
    public Object read(byte[] bytes, Type type) {
        Jsonb j = jsonb();
        try {
            return j.fromJson(new String(bytes, StandardCharsets.UTF_8), type);
        } catch (RuntimeException e) {
            throw new TributaryException("Cannot read the record value as " + type.getTypeName() + ": " + e.getMessage(), e);
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
                if (jsonb == null) jsonb = create();
                j = jsonb;
            }
        }
        return j;
    }

    private Jsonb create() {
        JsonbConfig c = new JsonbConfig();
        config.forEach((name, value) -> c.setProperty(name, typed(name, value)));
        try {
            return JsonbBuilder.create(c);
        } catch (RuntimeException e) {
            throw new TributaryException("jsonbConfig: JSON-B rejects " + config + ": " + e.getMessage(), e);
        }
    }

    private static Object typed(String name, String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) return Boolean.valueOf(value);
        if (name.equals(JsonbConfig.LOCALE)) return Locale.forLanguageTag(value);
        return value;
    }
}
