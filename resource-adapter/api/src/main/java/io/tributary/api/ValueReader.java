package io.tributary.api;

import java.lang.reflect.Type;

/**
 * Turns a record's bytes into an object of a requested type. The adapter supplies one backed by
 * JSON-B; applications do not implement it (a test of a bean may, to build records by hand).
 */
public interface ValueReader {
    <T> T read(byte[] bytes, Class<T> type);

    /**
     * Reads {@code bytes} as {@code type}, which may be generic ({@code List<Order>}). The default
     * handles plain classes only; the adapter's reader handles every type JSON-B does.
     */
    default Object read(byte[] bytes, Type type) {
        if (type instanceof Class<?> c) return read(bytes, c);
        throw new TributaryException("This reader reads plain classes only, not " + type.getTypeName());
    }
}
