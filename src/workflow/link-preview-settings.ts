/** Link preview cards' settings (src/workflow/link-preview.ts), a leaf so WorkflowDeps can name them. */
export interface LinkPreviewSettings {
  /** LINK_PREVIEW_TIMEOUT_MS: the page read's deadline, and the image's; 0 = previews off. */
  timeoutMs: number;
  /** The media store's limits (the card's image is stored like any file of the post). */
  media: { quotaBytes: number; maxFileBytes: number };
}
