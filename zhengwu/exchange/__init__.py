"""Document exchange (公文交换), receiving (收文) and archive (归档)."""
