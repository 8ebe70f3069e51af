// Alias of /findings/{check}/acknowledge, under the path the product issue names.
export { POST } from '../../../findings/[check]/acknowledge/route';
