package io.tributary.api;

/**
 * Turns a record's bytes into an object of a requested type. The adapter supplies one backed by
 * JSON-B; applications do not implement it.
 */
public interface ValueReader {
    <T> T read(byte[] bytes, Class<T> type);
}
