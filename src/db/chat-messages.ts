import type { Executor } from './database.ts';
import type { Chat, ChatMessage } from './schema.ts';

/** Where a post's card stands in the chat (one per chat), if it was posted. */
export function findChatMessage(tx: Executor, postId: string, chat?: Chat): Promise<ChatMessage | undefined> {
  let query = tx.selectFrom('chat_messages').selectAll().where('post_id', '=', postId);
  if (chat) query = query.where('chat', '=', chat);
  return query.executeTakeFirst();
}

export function insertChatMessage(
  tx: Executor,
  message: { postId: string; chat: Chat; channelId: string; messageId: string; threadId: string },
): Promise<ChatMessage> {
  return tx
    .insertInto('chat_messages')
    .values({ post_id: message.postId, chat: message.chat, channel_id: message.channelId, message_id: message.messageId, thread_id: message.threadId })
    .returningAll()
    .executeTakeFirstOrThrow();
}
