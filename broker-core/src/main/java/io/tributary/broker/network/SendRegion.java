package io.tributary.broker.network;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A serialized Kafka response handed to Netty as a {@link FileRegion}, so Netty's NIO transport
 * writes it straight to the socket: header and fields from heap buffers, and record data from
 * segment files by {@link FileChannel#transferTo} (zero copy). Written by one event-loop thread.
 */
final class SendRegion extends AbstractReferenceCounted implements FileRegion {
    private final Send send;
    private long transferred;

    SendRegion(Send send) {
        this.send = send;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return send.size();
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long written = send.writeTo(new SocketChannelAdapter(target));
        transferred += written;
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // Nothing to release: slices of segment files are closed with their segment.
    }

    /** Lets a Kafka {@link Send} write to Netty's socket channel. */
    private static final class SocketChannelAdapter implements TransferableChannel {
        private final WritableByteChannel target;

        SocketChannelAdapter(WritableByteChannel target) {
            this.target = target;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            return fileChannel.transferTo(position, count, target);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (target instanceof GatheringByteChannel gathering) return gathering.write(srcs, offset, length);
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = target.write(srcs[i]);
                total += n;
                if (srcs[i].hasRemaining()) break;
            }
            return total;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return target.write(src);
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() {
            // The socket belongs to Netty.
        }
    }
}
