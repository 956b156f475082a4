package embedded

// Small purge batches make the conformance suite's purge cross batches.
func init() { purgeBatch = 100 }
