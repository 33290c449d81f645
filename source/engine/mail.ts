import { readFile } from 'node:fs/promises';

export interface Attachment {
  /** As the message names it (data from the traffic: never a path). */
  filename: string;
  /** The part's Content-Type (lower case, no parameters), as the sender declared it. */
  mimeType: string;
  content: Uint8Array;
}

/**
 * The attachments of one message (multipart, base64 and quoted-printable
 * decoded by postal-mime), in message order. Body parts (text, HTML) stay in
 * the message; a message that does not parse has no attachments.
 */
export async function attachmentsOf(emlPath: string): Promise<Attachment[]> {
  // Loaded on first use: only PCAPs with mail need it.
  const { default: PostalMime } = await import('postal-mime');
  const email = await PostalMime.parse(await readFile(emlPath), { attachmentEncoding: 'arraybuffer' }).catch(() => undefined);
  return (email?.attachments ?? []).map((attachment) => ({
    filename: attachment.filename ?? '',
    mimeType: (attachment.mimeType ?? '').toLowerCase(),
    content: typeof attachment.content === 'string' ? new TextEncoder().encode(attachment.content) : new Uint8Array(attachment.content),
  }));
}
