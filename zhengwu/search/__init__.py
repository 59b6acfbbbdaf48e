"""Chinese full-text search across modules (jieba), fed by registered sources."""
